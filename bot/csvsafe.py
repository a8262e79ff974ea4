"""CSV that a spreadsheet opens as data, never as formulas (OWASP "CSV Injection"; ASVS 1.2.10).

Citizens type the names and addresses that staff later export: a cell starting with `=`, `+`, `-`, `@`, a tab,
a carriage return, a line feed or NUL would run as a formula (`=HYPERLINK(...)` sends other cells away), so such a
cell gets a leading single quote, which spreadsheets show as text. The full-width forms are treated alike, since
Japanese input produces them and spreadsheet software may read them as the ASCII ones. Every field is quoted.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def cell(value: object) -> str:
    """The value as text a spreadsheet shows as it is: a leading `'` when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_rows(fh: TextIO, rows: Iterable[Iterable[object]]) -> None:
    """Rows as CSV (CRLF line ends, every field quoted), each cell neutralised by `cell`."""
    writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows([cell(value) for value in row] for row in rows)
