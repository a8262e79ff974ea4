"""A city's own spreadsheet, read through the source's `columns:` (field → header), like Tsu's original.csv."""

from __future__ import annotations

from ..config import SourceConfig
from ..readers import require_columns
from .common import CategoryResolver, Parsed, Progress, add_item, csv_rows, kana_reading, split_list


def parse_mapping(src: SourceConfig, resolve: CategoryResolver, progress: Progress | None = None) -> Parsed:
    parsed = Parsed()
    cols = src.columns
    for path in src.paths:
        header, rows = csv_rows(parsed, path, src.encoding, src.name, progress)
        require_columns(path, header, list(cols.values()))
        for row in rows:
            get = {f: row.values.get(c, "") for f, c in cols.items()}.get
            add_item(
                parsed,
                resolve,
                row.line,
                key=get("key", ""),
                name=get("name", ""),
                label=get("category", ""),
                reading_=kana_reading(get("reading", "")),
                notes=get("notes", ""),
                remarks=get("remarks", ""),
                bulky_fee=get("bulky_fee", ""),
                synonyms=split_list(get("synonyms", "")),
                area=get("area", ""),
                english=get("english", ""),
            )
    return parsed
