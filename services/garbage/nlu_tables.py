"""The NLU's lookup tables from the city's garbage data: every item name and other name, and every collection
area, read from the sources data/garbage.yml lists (under BOT_DATA_DIR), the staff's garbage_local.yml included.

The model is trained with them (bot.features.NluLookups), so an imported list is found in questions without a
copy in data/nlu or config.yml; a source file that is missing fails training, naming the file and the setting.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

from .config import config_files, load_config
from .importers import parse_source
from .importers.sync import source_files

ITEM_ENTITY = "garbage_item"
AREA_ENTITY = "garbage_area"


def files(settings: Settings) -> list[Path]:
    """garbage.yml, city.yml and every source's files: what the tables are read from."""
    if not (settings.data_dir / "garbage.yml").exists():
        return []
    return config_files(settings.data_dir) + [
        f for src in load_config(settings.data_dir).sources for f in source_files(src)
    ]


def tables(settings: Settings) -> dict[str, list[str]]:
    """garbage_item: item names and their other names; garbage_area: the collection areas' names."""
    if not (settings.data_dir / "garbage.yml").exists():
        return {}
    config = load_config(settings.data_dir)
    items: dict[str, None] = {}  # ordered and unique
    areas: dict[str, None] = {}
    for src in config.sources:
        parsed = parse_source(config, src)
        for record in parsed.items.values():
            items.update(dict.fromkeys([record["name"], *record["synonyms"]]))
        for key in parsed.synonyms:
            items.update(dict.fromkeys(key))
        areas.update(dict.fromkeys(parsed.areas))
    return {ITEM_ENTITY: [n for n in items if n], AREA_ENTITY: list(areas)}
