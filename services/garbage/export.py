"""Write the city's dictionary, as the bot answers it, in the national standard 11-column CSV.

The output imports back with `bot import garbage --format standard`: categories are written as the city's
local names, which the importer maps back to the category ids.
"""

from __future__ import annotations

import csv
import io

import jaconv
from sqlalchemy import select

from bot.errors import BotError
from bot.store.db import session_factory

from .config import GarbageConfig
from .importers import STANDARD_COLUMNS
from .models import GarbageItem
from .service import build_snapshot


def standard_rows(database_url: str, config: GarbageConfig, city_name: str) -> list[list[str]]:
    with session_factory(database_url)() as s:
        entries = build_snapshot(s, config).index.entries
        # ゴミの品目_英字 as imported (the index keeps only what replies need)
        rows = s.execute(
            select(GarbageItem.source, GarbageItem.name, GarbageItem.area, GarbageItem.english).where(
                GarbageItem.english != ""
            )
        )
        english = {(source, name, area): text for source, name, area, text in rows}
    entries = sorted(entries, key=lambda e: (e.reading, e.name))
    return [
        [
            config.lg_code,
            str(n),
            city_name,
            e.area,
            e.name,
            jaconv.hira2kata(e.reading),
            english.get((e.source, e.name, e.area), ""),
            config.categories.get(e.category, e.category),
            e.notes,
            e.remarks,
            e.bulky_fee,
        ]
        for n, e in enumerate(entries, 1)
    ]


def standard_csv(
    database_url: str, config: GarbageConfig, city_name: str, encoding: str = "utf-8-sig"
) -> tuple[bytes, int]:
    """The CSV file's bytes and its number of items. A character the encoding lacks (cp932 lacks some) is an
    error naming its line, rather than a silent loss."""
    rows = standard_rows(database_url, config, city_name)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(STANDARD_COLUMNS)
    writer.writerows(rows)
    text = buffer.getvalue()
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        line = text[: exc.start].count("\n") + 1
        raise BotError(
            f"Line {line} of the export has `{text[exc.start : exc.end]}`, which {encoding} cannot hold; "
            "export as utf-8 instead."
        ) from exc
    return data, len(rows)
