"""What every parser shares: the checked result of one source, category labels to ids, and item records."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..normalize import reading, text_key
from ..readers import Row, read_csv

# Other names in one cell: separated by punctuation, or by spaces as Kawasaki's 類似語 are (`録音機 ボイスレコーダー`).
_LIST_SPLIT = re.compile(r"[、,，/／;；\s]")

Progress = Callable[[str, int, int], None]


@dataclass
class Parsed:
    """One source, parsed and checked, ready to replace what the database holds for it."""

    items: dict[str, dict] = field(default_factory=dict)  # key -> GarbageItem fields
    synonyms: dict[tuple[str, str], dict] = field(default_factory=dict)
    areas: dict[str, dict] = field(default_factory=dict)
    centers: dict[tuple[str, date], dict] = field(default_factory=dict)
    # rows left out, with their line (`--strict`: any of them refuses the whole import)
    problems: list[tuple[int, str]] = field(default_factory=list)
    duplicates: int = 0
    # (published label, city category id or None when unmapped) -> rows: the mapping result `--dry-run` shows
    labels: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    where: str = ""  # the file being read, named in problems when a source has several files
    _lines: dict[tuple[str, object], int] = field(default_factory=dict)

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, self.where + message))

    def add(self, table: str, key, record: dict, line: int, label: str) -> None:
        """Keep a record once; an exact repeat is counted, a different record under the same key is a problem."""
        target = getattr(self, table)
        if key in target:
            if _content(target[key]) == _content(record):
                self.duplicates += 1
            else:
                first = self._lines[(table, key)]
                self.problem(line, f"{label} was already given on line {first} with different content")
            return
        target[key] = record
        self._lines[(table, key)] = line

    def counts(self) -> dict[str, int]:
        return {
            "items": len(self.items),
            "synonyms": len(self.synonyms),
            "areas": len(self.areas),
            "centers": len(self.centers),
            "duplicates": self.duplicates,
            "skipped": len(self.problems),
        }


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


def clean(value) -> str:
    return str(value if value is not None else "").replace("\r\n", "\n").strip()


def split_list(value: str) -> list[str]:
    return [s.strip() for s in _LIST_SPLIT.split(value or "") if s.strip()]


def add_item(
    parsed: Parsed,
    resolve: CategoryResolver,
    line: int,
    *,
    key: str,
    name: str,
    label: str,
    reading_: str = "",
    notes: str = "",
    remarks: str = "",
    bulky_fee: str = "",
    synonyms=(),
    area: str = "",
    english: str = "",
) -> None:
    name, label = clean(name), clean(label)
    if not name:
        parsed.problem(line, "no item name")
        return
    category = resolve(label) if label else None
    parsed.labels[(label, category)] += 1
    if category is None:
        parsed.problem(
            line,
            f"category `{label}` of `{name}` is not mapped to a city category id "
            "(add it under `categories:` of this source)"
            if label
            else f"`{name}` has no category",
        )
        return
    record = {
        "name": name,
        "reading": reading_ or reading(name),
        "category": category,
        "notes": clean(notes),
        "remarks": clean(remarks),
        "bulky_fee": clean(bulky_fee),
        "synonyms": list(synonyms),
        "area": clean(area),
        "english": clean(english),
        "position": line,
    }
    record["key"] = key = clean(key) or (f"{name}@{record['area']}" if record["area"] else name)
    parsed.add("items", key, record, line, f"`{key}`")


def kana_reading(value: str) -> str:
    return reading(value) if value else ""


def csv_rows(
    parsed: Parsed, path: Path, encoding, label: str, progress: Progress | None
) -> tuple[list[str], Iterable[Row]]:
    """A file's header and rows (with progress); its unusable rows become the source's problems."""
    table = read_csv(path, encoding)
    parsed.problems += [(line, f"{path.name}: {message}") for line, message in table.problems]
    header, rows = table.header, table.rows

    def tracked():
        for i, row in enumerate(rows, 1):
            if progress:
                progress(label, i, len(rows))
            yield row

    return header, tracked()
