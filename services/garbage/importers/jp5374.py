"""A 5374.jp set: target.csv (items), area_days.csv (areas and their rules), description.csv, remarks.csv,
center.csv (collection centres' breaks)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from bot.errors import ImportDataError

from ..config import SourceConfig
from ..normalize import reading
from ..readers import require_columns
from ..schedule import parse_rule
from .common import CategoryResolver, Parsed, Progress, add_item, csv_rows

FILES_5374 = ("target.csv", "area_days.csv", "description.csv", "remarks.csv", "center.csv")


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
    problems = parsed.problems

    def table(name: str):
        return csv_rows(files[name], src.encoding, f"{src.name} {name}", progress) if name in files else ([], [])

    remarks: dict[str, str] = {}
    header, rows = table("remarks.csv")
    for row in rows:
        cells = list(row.values.values())
        remarks[cells[0]] = cells[1] if len(cells) > 1 else ""
    header, rows = table("description.csv")
    for row in rows:
        label = row.values.get(header[0], "")
        if resolve(label) is None:
            problems.append((row.line, f"description.csv: category `{label}` is not mapped to a city category id"))
    header, rows = table("center.csv")
    for row in rows:
        cells = [*row.values.values(), "", ""]
        try:
            start, end = _date(cells[1]), _date(cells[2])
        except (TypeError, ValueError):
            problems.append((row.line, f"center.csv: `{cells[1]}`〜`{cells[2]}` are not dates (YYYY/MM/DD)"))
            continue
        if end < start:
            problems.append((row.line, f"center.csv: the break of {cells[0]} ends before it starts"))
            continue
        parsed.add(
            "centers",
            (cells[0], start),
            {"name": cells[0], "break_start": start, "break_end": end},
            row.line,
            f"center.csv: {cells[0]} {cells[1]}",
        )
    header, rows = table("area_days.csv")
    columns: dict[str, str] = {}
    for label in header[2:]:
        cid = resolve(label)
        if cid is None:
            problems.append((1, f"area_days.csv: category column `{label}` is not mapped to a city category id"))
        elif cid in columns.values():
            problems.append((1, f"area_days.csv: two columns map onto the category `{cid}`"))
        else:
            columns[label] = cid
    for row in rows:
        cells = [*row.values.values(), ""]
        name, center = cells[0], cells[1]
        if not name:
            problems.append((row.line, "area_days.csv: no area name"))
            continue
        rules, notes = {}, []
        for label, cid in columns.items():
            cell = row.values.get(label, "")
            try:
                rule = parse_rule(cell)
            except ValueError as exc:
                problems.append((row.line, f"area_days.csv: {name} {label}: {exc}"))
                continue
            missing = [r for r in rule.remarks if r not in remarks]
            if missing:
                problems.append((row.line, f"area_days.csv: {name} {label}: remark(s) {missing} not in remarks.csv"))
            notes += [remarks[r] for r in rule.remarks if r in remarks and remarks[r] not in notes]
            rules[cid] = " ".join(cell.split())
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
            f"area_days.csv: {name}",
        )
    header, rows = table("target.csv")  # its `furigana` is only the initial 5374 groups by, not a reading
    if header:
        require_columns(files["target.csv"], header, ["label", "name"])
    for row in rows:
        v = row.values
        add_item(parsed, resolve, row.line, key="", name=v["name"], label=v["label"], notes=v.get("notice", ""))
    return parsed
