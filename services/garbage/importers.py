"""Import garbage data in the three shapes cities publish, plus the staff's YAML file, into one items table.

- `standard`: the national 11-column 自治体標準オープンデータセット「ごみ分別」.
- `5374`: a 5374.jp set (target.csv, area_days.csv, description.csv, remarks.csv, center.csv).
- `mapping`: a city's own spreadsheet, read through `columns:` (field → header), like Tsu's original.csv.
- `yaml`: data/garbage_local.yml, the items and synonyms staff add by hand.

Every file is parsed and checked completely before the database is touched; then each source's rows are
brought to the new state in one transaction. A bad row anywhere means nothing changes and every problem
is reported with its line. Importing the same files again changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import func, select

from bot.errors import ImportDataError
from bot.store.db import session_factory
from bot.training_data import read_yaml

from .config import GarbageConfig, SourceConfig, load_config
from .models import GarbageArea, GarbageCenter, GarbageItem, GarbageSource, GarbageSynonym
from .normalize import reading, text_key
from .readers import Row, read_csv, require_columns
from .schedule import parse_rule

# Bump when parsing changes what is stored, so unchanged files are imported again once.
PARSER_VERSION = 2
STANDARD_COLUMNS = ["全国地方公共団体コード", "ID", "地方公共団体名", "地区名", "ゴミの品目", "ゴミの品目_カナ",
                    "ゴミの品目_英字", "分別区分", "注意点", "備考", "粗大ごみ回収料金"]
FILES_5374 = ("target.csv", "area_days.csv", "description.csv", "remarks.csv", "center.csv")
_LIST_SPLIT = re.compile(r"[、,，/／;；\n]")

Progress = Callable[[str, int, int], None]


@dataclass
class Parsed:
    """One source, parsed and checked, ready to replace what the database holds for it."""

    items: dict[str, dict] = field(default_factory=dict)  # key -> GarbageItem fields
    synonyms: dict[tuple[str, str], dict] = field(default_factory=dict)
    areas: dict[str, dict] = field(default_factory=dict)
    centers: dict[tuple[str, date], dict] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    duplicates: int = 0
    _lines: dict[tuple[str, object], int] = field(default_factory=dict)

    def add(self, table: str, key, record: dict, line: int, label: str) -> None:
        """Keep a record once; an exact repeat is counted, a different record under the same key is a problem."""
        target = getattr(self, table)
        if key in target:
            if _content(target[key]) == _content(record):
                self.duplicates += 1
            else:
                first = self._lines[(table, key)]
                self.problems.append((line, f"{label} was already given on line {first} with different content"))
            return
        target[key] = record
        self._lines[(table, key)] = line

    def counts(self) -> dict[str, int]:
        return {"items": len(self.items), "synonyms": len(self.synonyms), "areas": len(self.areas),
                "centers": len(self.centers), "duplicates": self.duplicates}


def _content(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "position"}


class CategoryResolver:
    """A published label (分別区分, 5374 label) to the city's category id; spelling-tolerant."""

    def __init__(self, city: dict[str, str], mapped: dict[str, str]):
        self.table = {text_key(name): cid for cid, name in city.items()}
        self.table.update({text_key(cid): cid for cid in city})
        self.table.update({text_key(label): cid for label, cid in mapped.items()})

    def __call__(self, label: str) -> str | None:
        return self.table.get(text_key(label))


def _clean(value) -> str:
    return str(value if value is not None else "").replace("\r\n", "\n").strip()


def _split(value: str) -> list[str]:
    return [s.strip() for s in _LIST_SPLIT.split(value or "") if s.strip()]


def _item(parsed: Parsed, resolve: CategoryResolver, line: int, *, key: str, name: str, label: str,
          reading_: str = "", notes: str = "", remarks: str = "", bulky_fee: str = "", synonyms=(),
          area: str = "") -> None:
    name, label = _clean(name), _clean(label)
    if not name:
        parsed.problems.append((line, "no item name"))
        return
    category = resolve(label)
    if category is None:
        parsed.problems.append((line, f"category `{label}` of `{name}` is not mapped to a city category id "
                                      "(add it under `categories:` of this source)" if label else
                                f"`{name}` has no category"))
        return
    record = {"name": name, "reading": reading_ or reading(name), "category": category, "notes": _clean(notes),
              "remarks": _clean(remarks), "bulky_fee": _clean(bulky_fee), "synonyms": list(synonyms),
              "area": _clean(area), "position": line}
    record["key"] = key = _clean(key) or (f"{name}@{record['area']}" if record["area"] else name)
    parsed.add("items", key, record, line, f"`{key}`")


def _kana_reading(value: str) -> str:
    return reading(value) if value else ""


def _rows(path: Path, encoding, label: str, progress: Progress | None) -> tuple[list[str], Iterable[Row]]:
    header, rows = read_csv(path, encoding)

    def tracked():
        for i, row in enumerate(rows, 1):
            if progress:
                progress(label, i, len(rows))
            yield row

    return header, tracked()


def parse_standard(src: SourceConfig, resolve: CategoryResolver, progress: Progress | None = None) -> Parsed:
    parsed = Parsed()
    for path in src.paths:
        header, rows = _rows(path, src.encoding, src.name, progress)
        require_columns(path, header, ["ゴミの品目", "分別区分"])
        for row in rows:
            v = row.values
            _item(parsed, resolve, row.line, key=v.get("ID", ""), name=v["ゴミの品目"], label=v["分別区分"],
                  reading_=_kana_reading(v.get("ゴミの品目_カナ", "")), notes=v.get("注意点", ""),
                  remarks=v.get("備考", ""), bulky_fee=v.get("粗大ごみ回収料金", ""), area=v.get("地区名", ""))
    return parsed


def parse_mapping(src: SourceConfig, resolve: CategoryResolver, progress: Progress | None = None) -> Parsed:
    parsed = Parsed()
    cols = src.columns
    for path in src.paths:
        header, rows = _rows(path, src.encoding, src.name, progress)
        require_columns(path, header, list(cols.values()))
        for row in rows:
            get = {f: row.values.get(c, "") for f, c in cols.items()}.get
            _item(parsed, resolve, row.line, key=get("key", ""), name=get("name", ""), label=get("category", ""),
                  reading_=_kana_reading(get("reading", "")), notes=get("notes", ""), remarks=get("remarks", ""),
                  bulky_fee=get("bulky_fee", ""), synonyms=_split(get("synonyms", "")), area=get("area", ""))
    return parsed


def _files_5374(paths: tuple[Path, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in paths:
        for f in ([p / n for n in FILES_5374] if p.is_dir() else [p]):
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
        return _rows(files[name], src.encoding, f"{src.name} {name}", progress) if name in files else ([], [])

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
        cells = list(row.values.values()) + ["", ""]
        try:
            start, end = _date(cells[1]), _date(cells[2])
        except (TypeError, ValueError):
            problems.append((row.line, f"center.csv: `{cells[1]}`〜`{cells[2]}` are not dates (YYYY/MM/DD)"))
            continue
        if end < start:
            problems.append((row.line, f"center.csv: the break of {cells[0]} ends before it starts"))
            continue
        parsed.add("centers", (cells[0], start), {"name": cells[0], "break_start": start, "break_end": end},
                   row.line, f"center.csv: {cells[0]} {cells[1]}")
    header, rows = table("area_days.csv")
    columns = {}
    for label in header[2:]:
        cid = resolve(label)
        if cid is None:
            problems.append((1, f"area_days.csv: category column `{label}` is not mapped to a city category id"))
        elif cid in columns.values():
            problems.append((1, f"area_days.csv: two columns map onto the category `{cid}`"))
        else:
            columns[label] = cid
    for row in rows:
        cells = list(row.values.values()) + [""]
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
        parsed.add("areas", name, {"name": name, "reading": reading(name), "center": center, "rules": rules,
                                   "remarks": notes, "position": row.line}, row.line, f"area_days.csv: {name}")
    header, rows = table("target.csv")  # its `furigana` is only the initial 5374 groups by, not a reading
    if header:
        require_columns(files["target.csv"], header, ["label", "name"])
    for row in rows:
        v = row.values
        _item(parsed, resolve, row.line, key="", name=v["name"], label=v["label"], notes=v.get("notice", ""))
    return parsed


def parse_yaml(src: SourceConfig, resolve: CategoryResolver, progress: Progress | None = None) -> Parsed:
    """data/garbage_local.yml: `items:` (name, category, reading, notes, remarks, bulky_fee, synonyms, area)
    and `synonyms:` (item name → other names) for items of any source."""
    parsed = Parsed()
    allowed = {"name", "category", "reading", "notes", "remarks", "bulky_fee", "synonyms", "area", "__line__"}
    for path in src.paths:
        doc = read_yaml(path, with_lines=True) or {}
        items = doc.get("items") or []
        for i, spec in enumerate(items, 1):
            if progress:
                progress(src.name, i, len(items))
            line = spec.get("__line__", 0) if isinstance(spec, dict) else 0
            if not isinstance(spec, dict) or set(spec) - allowed:
                parsed.problems.append((line, f"an item is a mapping with keys {sorted(allowed - {'__line__'})}"))
                continue
            synonyms = spec.get("synonyms") or []
            _item(parsed, resolve, line, key="", name=spec.get("name", ""), label=str(spec.get("category", "")),
                  reading_=_kana_reading(_clean(spec.get("reading"))), notes=spec.get("notes", ""),
                  remarks=spec.get("remarks", ""), bulky_fee=spec.get("bulky_fee", ""),
                  synonyms=[_clean(s) for s in (synonyms if isinstance(synonyms, list) else [synonyms])],
                  area=spec.get("area", ""))
        synonyms = doc.get("synonyms") or {}
        line = synonyms.get("__line__", 0) if isinstance(synonyms, dict) else 0
        if not isinstance(synonyms, dict):
            parsed.problems.append((line, "`synonyms:` maps an item name to a list of other names"))
            continue
        for item, names in synonyms.items():
            if item == "__line__":
                continue
            for name in names if isinstance(names, list) else [names]:
                rec = {"item_name": _clean(item), "synonym": _clean(name)}
                if rec["synonym"]:
                    parsed.add("synonyms", (rec["item_name"], rec["synonym"]), rec, line, f"synonym {name}")
    return parsed


PARSERS = {"standard": parse_standard, "5374": parse_5374, "mapping": parse_mapping, "yaml": parse_yaml}


def _files_of(src: SourceConfig) -> list[Path]:
    out = []
    for p in src.paths:
        out += sorted(f for f in p.iterdir() if f.name in FILES_5374) if p.is_dir() else [p]
    return out


def checksum(src: SourceConfig) -> str:
    h = hashlib.sha256(json.dumps([PARSER_VERSION, src.describe()], ensure_ascii=False, sort_keys=True).encode())
    for f in _files_of(src):
        try:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
        except OSError as exc:
            raise ImportDataError(f"Cannot read {f}: {exc.strerror}.") from exc
    return h.hexdigest()


def _sync(session, model, source: str, records: dict, key_fields: tuple[str, ...]) -> int:
    """Make the rows of `source` equal `records`; returns how many rows changed."""
    existing = {tuple(getattr(r, f) for f in key_fields): r
                for r in session.scalars(select(model).where(model.source == source))}
    changed = 0
    for rec in records.values():
        row = existing.pop(tuple(rec[f] for f in key_fields), None)
        if row is None:
            session.add(model(source=source, **rec))
            changed += 1
        elif any(getattr(row, f) != v for f, v in rec.items()):
            for f, v in rec.items():
                setattr(row, f, v)
            changed += 1
    for row in existing.values():
        session.delete(row)
    return changed + len(existing)


def next_revision(session) -> int:
    return (session.scalar(select(func.max(GarbageSource.revision))) or 0) + 1


def touch_source(session, name: str, changed: bool = True, **values) -> GarbageSource:
    """The source's row, created when new; a change gives it a fresh revision so every cached index rebuilds."""
    revision = next_revision(session)
    row = session.get(GarbageSource, name)
    if row is None:
        row = GarbageSource(name=name, location="", checksum="", counts={})
        session.add(row)
        changed = True
    for k, v in values.items():
        setattr(row, k, v)
    if changed:
        row.revision = revision
    row.updated_at = datetime.now(timezone.utc)
    return row


def import_sources(database_url: str, config: GarbageConfig, sources: Iterable[SourceConfig], force: bool = False,
                   progress: Progress | None = None) -> dict:
    """Parse every source, then apply them all in one transaction. Returns a summary per source."""
    Session = session_factory(database_url)
    sources = list(sources)
    with Session() as s:
        known = {r.name: r.checksum for r in s.scalars(select(GarbageSource))}
    summary: dict[str, dict] = {}
    work: list[tuple[SourceConfig, Parsed, str]] = []
    problems: list[tuple[int, str]] = []
    for src in sources:
        digest = checksum(src)
        if not force and known.get(src.name) == digest:
            summary[src.name] = {"status": "unchanged"}
            continue
        parsed = PARSERS[src.format](src, CategoryResolver(config.categories, src.categories), progress)
        if parsed.problems:
            where = ", ".join(str(p) for p in src.paths)
            problems += [(line, f"[{src.name}] {msg}") for line, msg in sorted(parsed.problems)]
            summary[src.name] = {"status": "failed", "problems": len(parsed.problems), "path": where}
        work.append((src, parsed, digest))
    if problems:
        failed = ", ".join(f"{n} ({v['path']})" for n, v in summary.items() if v["status"] == "failed")
        raise ImportDataError(f"Garbage import failed in {failed}: {len(problems)} problem(s); nothing was changed.",
                              problems)
    with Session() as s, s.begin():
        for src, parsed, digest in work:
            changed = (_sync(s, GarbageItem, src.name, parsed.items, ("key",))
                       + _sync(s, GarbageSynonym, src.name, parsed.synonyms, ("item_name", "synonym"))
                       + _sync(s, GarbageArea, src.name, parsed.areas, ("name",))
                       + _sync(s, GarbageCenter, src.name, parsed.centers, ("name", "break_start")))
            old = s.get(GarbageSource, src.name)
            reranked = old is not None and old.priority != src.priority  # the index ranks sources anew
            touch_source(s, src.name, changed > 0 or reranked, format=src.format, priority=src.priority,
                         location=", ".join(map(str, src.paths)), checksum=digest, counts=parsed.counts())
            summary[src.name] = {"status": "imported", "changed": changed, **parsed.counts()}
    return summary


def import_configured(settings, force: bool = False, progress: Progress | None = None) -> dict:
    """Import every source listed in data/garbage.yml; unchanged files are skipped, so it is cheap to repeat."""
    config = load_config(settings.data_dir)
    return import_sources(settings.database_url, config, config.sources, force=force, progress=progress)
