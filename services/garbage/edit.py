"""Staff edits without code: items and synonyms added from the command line (source "staff", never touched by
imports), and the list of items citizens asked about that the dictionary did not know."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.errors import BotError
from bot.store.db import session_factory

from .config import GarbageConfig
from .importers import CategoryResolver, touch_source
from .models import STAFF_SOURCE, GarbageItem, GarbageMiss, GarbageSynonym
from .normalize import reading

STAFF_PRIORITY = 0  # staff corrections answer before every imported source


def _touch(session) -> None:
    touch_source(session, STAFF_SOURCE, format="staff", priority=STAFF_PRIORITY, location="bot garbage")


def add_synonym(database_url: str, item: str, synonym: str) -> bool:
    """Let `synonym` find `item`; False when it already did. The item must exist under exactly that name."""
    item, synonym = item.strip(), synonym.strip()
    Session = session_factory(database_url)
    with Session() as s, s.begin():
        if s.scalar(select(func.count()).select_from(GarbageItem).where(GarbageItem.name == item)) == 0:
            raise BotError(f"No item is named `{item}`. Check the exact name with `bot garbage lookup {item}`.")
        exists = s.scalar(
            select(GarbageSynonym).where(
                GarbageSynonym.source == STAFF_SOURCE,
                GarbageSynonym.item_name == item,
                GarbageSynonym.synonym == synonym,
            )
        )
        if exists or not synonym:
            return False
        s.add(GarbageSynonym(source=STAFF_SOURCE, item_name=item, synonym=synonym))
        _touch(s)
    return True


def add_item(
    database_url: str,
    config: GarbageConfig,
    name: str,
    category: str,
    notes: str = "",
    reading_: str = "",
    bulky_fee: str = "",
) -> str:
    """Add or replace a staff item; `category` is a city category id or its local name. Returns "added"/"updated"."""
    name = name.strip()
    cid = CategoryResolver(config.categories, {})(category)
    if not name or cid is None:
        raise BotError(
            f"Give an item name and one of the categories: "
            f"{', '.join(f'{k} ({v})' for k, v in config.categories.items())}."
        )
    values = {
        "name": name,
        "reading": reading(reading_ or name),
        "category": cid,
        "notes": notes.strip(),
        "bulky_fee": bulky_fee.strip(),
    }
    Session = session_factory(database_url)
    with Session() as s, s.begin():
        row = s.scalar(select(GarbageItem).where(GarbageItem.source == STAFF_SOURCE, GarbageItem.key == name))
        status = "updated" if row else "added"
        if row is None:
            row = GarbageItem(source=STAFF_SOURCE, key=name, remarks="", synonyms=[], area="", position=0)
            s.add(row)
        for k, v in values.items():
            setattr(row, k, v)
        _touch(s)
    return status


def misses(database_url: str, limit: int = 50) -> list[tuple[str, int, str]]:
    """(query, times asked, last time) of unknown items, most asked first."""
    Session = session_factory(database_url)
    with Session() as s:
        rows = s.execute(
            select(GarbageMiss.query, func.count(), func.max(GarbageMiss.created_at))
            .group_by(GarbageMiss.query)
            .order_by(func.count().desc(), GarbageMiss.query)
            .limit(limit)
        )
        return [(q, n, str(last)[:16]) for q, n, last in rows]
