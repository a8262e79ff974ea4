"""Read the CSV files cities actually publish: UTF-8 with or without BOM, or Shift_JIS (cp932); comma or tab
separated; quoted fields with line breaks; blank and repeated rows. Every row keeps the line it starts on,
so an importer can say exactly where a problem is.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ImportDataError

ENCODINGS = ("utf-8", "cp932")


@dataclass(frozen=True)
class Row:
    line: int  # 1-based line of the file where the record starts
    values: dict[str, str]


def decode(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Bytes to text: the given encoding, else UTF-8 (a BOM is dropped), else cp932."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], encoding or "utf-8"
    furthest: UnicodeDecodeError | None = None
    for enc in (encoding,) if encoding else ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            # The encoding that read furthest is the file's; its error is where the file is broken.
            if furthest is None or exc.start > furthest.start:
                furthest = exc
    assert furthest is not None  # every encoding tried failed
    line = data[: furthest.start].count(b"\n") + 1
    tried = encoding or " / ".join(ENCODINGS)
    raise ImportDataError(f"{path}: cannot decode the file as {tried}.", [(line, "undecodable bytes")])


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:8192].split("\n", 1)[0], delimiters=",\t;")
    except csv.Error:
        return csv.excel


def read_csv(path: Path, encoding: str | None = None) -> tuple[list[str], list[Row]]:
    """Header and rows of a CSV file. Blank rows are dropped; a row longer than the header is an error."""
    path = Path(path)
    try:
        text = decode(path.read_bytes(), path, encoding)
    except OSError as exc:
        raise ImportDataError(f"Cannot read {path}: {exc.strerror}.") from exc
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    header: list[str] = []
    rows: list[Row] = []
    problems: list[tuple[int, str]] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            cells = [c.strip() for c in record]
            if not any(cells):
                continue
            if not header:
                header = cells
                continue
            if len(cells) > len(header) and any(cells[len(header) :]):
                problems.append((line, f"{len(cells)} columns, the header has {len(header)}"))
                continue
            # short rows are padded; empty cells past the header (a trailing comma) are dropped by zip
            rows.append(Row(line, dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))))
    except csv.Error as exc:
        problems.append((start, f"broken CSV: {exc}"))
    if not header:
        raise ImportDataError(f"{path}: the file is empty.")
    if problems:
        raise ImportDataError(f"{path}: {len(problems)} bad row(s); nothing was imported.", problems)
    return header, rows


def require_columns(path: Path, header: list[str], needed: list[str]) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise ImportDataError(
            f"{path}: missing column(s) {', '.join(missing)}. The header has: {', '.join(header)}.", [(1, "header")]
        )
