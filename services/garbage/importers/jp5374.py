"""A 5374.jp set: target.csv (items), area_days.csv (areas and their rules), description.csv, remarks.csv,
center.csv (collection centres' breaks)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from bot.errors import ImportDataError

from ..config import SourceConfig
from ..normalize import reading
from ..readers import Row, require_columns
from ..schedule import parse_rule
from .common import CategoryResolver, Parsed, Progress, add_item, csv_rows

FILES_5374 = ("target.csv", "area_days.csv", "description.csv", "remarks.csv", "center.csv")
# target.csv's category column: `label` in 5374.jp's own sets, `type` in some cities' copies
LABEL_COLUMNS = ("label", "type")


def _files_5374(paths: tuple[Path, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in paths:
        for f in [p / n for n in FILES_5374] if p.is_dir() else [p]:
            if f.name in FILES_5374 and f.exists():
                found[f.name] = f
            elif not p.is_dir():
                raise ImportDataError(f"{f}: not a file of a 5374 set ({', '.join(FILES_5374)}).")
    if "target.csv" not in found and "area_days.csv" not in found:
        raise ImportDataError(f"{', '.join(map(str, paths))}: no target.csv or area_days.csv found.")
    return found


def _date(text: str) -> date:
    digits = re.sub(r"\D", " ", text).split()
    if len(digits) == 1 and len(digits[0]) == 8:
        digits = [digits[0][:4], digits[0][4:6], digits[0][6:]]
    return date(*map(int, digits))


def parse_5374(src: SourceConfig, resolve: CategoryResolver, progress: Progress | None = None) -> Parsed:
    parsed = Parsed()
    files = _files_5374(src.paths)

    def table(name: str):
        parsed.where = f"{name}: "
        return (
            csv_rows(parsed, files[name], src.encoding, f"{src.name} {name}", progress) if name in files else ([], [])
        )

    remarks: dict[str, str] = {}
    header, rows = table("remarks.csv")
    for row in rows:
        cells = list(row.values.values())
        remarks[cells[0]] = cells[1] if len(cells) > 1 else ""
    header, rows = table("description.csv")
    for row in rows:
        label = row.values.get(header[0], "")
        if resolve(label) is None:
            parsed.problem(row.line, f"category `{label}` is not mapped to a city category id")
    header, rows = table("center.csv")
    for row in rows:
        cells = [*row.values.values(), "", ""]
        try:
            start, end = _date(cells[1]), _date(cells[2])
        except (TypeError, ValueError):
            parsed.problem(row.line, f"`{cells[1]}`〜`{cells[2]}` are not dates (YYYY/MM/DD)")
            continue
        if end < start:
            parsed.problem(row.line, f"the break of {cells[0]} ends before it starts")
            continue
        parsed.add(
            "centers",
            (cells[0], start),
            {"name": cells[0], "break_start": start, "break_end": end},
            row.line,
            f"{cells[0]} {cells[1]}",
        )
    header, rows = table("area_days.csv")
    columns = _day_columns(files.get("area_days.csv"), header, resolve)
    for row in rows:
        _add_area(parsed, row, columns, remarks)
    header, rows = table("target.csv")  # its `furigana` is only the initial 5374 groups by, not a reading
    label_column = next((c for c in LABEL_COLUMNS if c in header), LABEL_COLUMNS[0])
    if header:
        require_columns(files["target.csv"], header, [label_column, "name"])
    for row in rows:
        v = row.values
        add_item(parsed, resolve, row.line, key="", name=v["name"], label=v[label_column], notes=v.get("notice", ""))
    return parsed


def _day_columns(path: Path | None, header: list[str], resolve: CategoryResolver) -> dict[str, str]:
    """area_days.csv's category columns (after 地名 and センター) → category ids. A column that maps onto no
    category, or onto one another column has, leaves every area's days unknown: the file is refused whole."""
    columns: dict[str, str] = {}
    for label in header[2:]:
        cid = resolve(label)
        if cid is None or cid in columns.values():
            why = "is not mapped to a city category id" if cid is None else f"maps onto `{cid}` as another does"
            raise ImportDataError(
                f"{path}: the category column `{label}` {why}; fix `categories:` of this source.", [(1, "header")]
            )
        columns[label] = cid
    return columns


def _add_area(parsed: Parsed, row: Row, columns: dict[str, str], remarks: dict[str, str]) -> None:
    """One area and its rule per category; an area with a rule that cannot be read is left out whole."""
    cells = [*row.values.values(), ""]
    name, center = cells[0], cells[1]
    if not name:
        parsed.problem(row.line, "no area name")
        return
    rules, notes, bad = {}, [], False
    for label, cid in columns.items():
        cell = row.values.get(label, "")
        try:
            rule = parse_rule(cell)
        except ValueError as exc:
            parsed.problem(row.line, f"{name} {label}: {exc}")
            bad = True
            continue
        missing = [r for r in rule.remarks if r not in remarks]
        if missing:
            parsed.problem(row.line, f"{name} {label}: remark(s) {missing} not in remarks.csv")
            bad = True
        notes += [remarks[r] for r in rule.remarks if r in remarks and remarks[r] not in notes]
        rules[cid] = " ".join(cell.split())
    if bad:
        return
    parsed.add(
        "areas",
        name,
        {
            "name": name,
            "reading": reading(name),
            "center": center,
            "rules": rules,
            "remarks": notes,
            "position": row.line,
        },
        row.line,
        name,
    )
