"""Read the CSV files cities actually publish: UTF-8 with or without BOM, Shift_JIS (cp932), EUC-JP or UTF-16 (which
charset-normalizer tells apart); comma or tab separated; quoted fields with line breaks; blank and repeated rows.
Every row keeps the line it starts on, so an importer can say exactly where a problem is.

A file that cannot be read as a table at all (undecodable, broken quoting, empty, a column missing) raises
ImportDataError and is refused whole; a row that cannot be used is returned as a problem with its line, and the
importer decides whether to skip it or refuse everything (`--strict`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from bot.errors import ImportDataError

ENCODINGS = ("utf-8", "cp932")
# What charset-normalizer chooses among: Japanese files are one of these (left free, it takes a short cp932 file
# for Korean).
GUESSED = ("cp932", "euc_jp", "utf_16", "utf_8")
MAX_CHAOS = 0.1  # charset-normalizer's mess ratio (0: clean text) above which its guess is not taken


@dataclass(frozen=True)
class Row:
    line: int  # 1-based line of the file where the record starts
    values: dict[str, str]


@dataclass
class Table:
    header: list[str]
    rows: list[Row]
    problems: list[tuple[int, str]] = field(default_factory=list)  # rows left out, with their line


def decode(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Bytes to text: the given encoding; else UTF-8 (a BOM is dropped); else the one of GUESSED that
    charset-normalizer is sure of (trying cp932 first would misread EUC-JP and UTF-16, which it decodes without
    error)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], encoding or "utf-8"
    if not encoding:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        guess = from_bytes(data, cp_isolation=list(GUESSED)).best()
        if guess is not None and guess.chaos < MAX_CHAOS:
            return str(guess)
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


def read_csv(path: Path, encoding: str | None = None) -> Table:
    """Header and rows of a CSV file. Blank rows are dropped; a row longer than the header is a problem."""
    path = Path(path)
    try:
        text = decode(path.read_bytes(), path, encoding)
    except OSError as exc:
        raise ImportDataError(f"Cannot read {path}: {exc.strerror}.") from exc
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    table = Table([], [])
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            cells = [c.strip() for c in record]
            if not any(cells):
                continue
            if not table.header:
                table.header = cells
                continue
            if len(cells) > len(table.header) and any(cells[len(table.header) :]):
                table.problems.append((line, f"{len(cells)} columns, the header has {len(table.header)}"))
                continue
            # short rows are padded; empty cells past the header (a trailing comma) are dropped by zip
            values = dict(zip(table.header, cells + [""] * (len(table.header) - len(cells)), strict=False))
            table.rows.append(Row(line, values))
    except csv.Error as exc:
        raise ImportDataError(
            f"{path}: the file is not CSV from line {start} on: {exc}.", [(start, "broken CSV")]
        ) from exc
    if not table.header:
        raise ImportDataError(f"{path}: the file is empty.")
    return table


def require_columns(path: Path, header: list[str], needed: list[str]) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise ImportDataError(
            f"{path}: missing column(s) {', '.join(missing)}. The header has: {', '.join(header)}.", [(1, "header")]
        )
