"""Tables of the garbage feature: sorting items, staff synonyms, collection areas, centers, sources and misses.

Every row carries the `source` it came from, so one source can be re-imported without touching the others,
and staff edits (source "staff") survive every import.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base

STAFF_SOURCE = "staff"


class GarbageSource(Base):
    """One imported data set; `revision` grows on every change so caches know when to rebuild."""

    __tablename__ = "garbage_sources"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    format: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(Text, default="")
    # Lower wins when two sources name the same item: staff 0, then data/garbage.yml order.
    priority: Mapped[int] = mapped_column(Integer, default=100)
    checksum: Mapped[str] = mapped_column(String(64), default="")
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GarbageItem(Base):
    """One entry of a sorting dictionary, with its category mapped onto the city's category ids."""

    __tablename__ = "garbage_items"
    __table_args__ = (
        UniqueConstraint("source", "key", name="uq_garbage_items_source_key"),
        Index("ix_garbage_items_name", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))  # the source's own ID, or the name when it has none
    name: Mapped[str] = mapped_column(String(200))
    reading: Mapped[str] = mapped_column(String(400), default="")  # hiragana
    category: Mapped[str] = mapped_column(String(64))  # a key of city.yml garbage_categories
    notes: Mapped[str] = mapped_column(Text, default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    bulky_fee: Mapped[str] = mapped_column(String(100), default="")  # as published, e.g. "1,000円"
    synonyms: Mapped[list[Any]] = mapped_column(default=list)
    area: Mapped[str] = mapped_column(String(100), default="")  # 地区名 of the standard data set
    english: Mapped[str] = mapped_column(String(200), default="")  # ゴミの品目_英字 of the standard data set
    position: Mapped[int] = mapped_column(Integer, default=0)  # line in the source file


class GarbageSynonym(Base):
    """Another name for an item, added by staff (CLI, source "staff") or in data/garbage_local.yml ("local")."""

    __tablename__ = "garbage_synonyms"
    __table_args__ = (UniqueConstraint("source", "item_name", "synonym", name="uq_garbage_synonyms"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(200))
    synonym: Mapped[str] = mapped_column(String(200))


class GarbageArea(Base):
    """A collection area and its 5374-style rule per category id, e.g. {"burnable": "月 木"}."""

    __tablename__ = "garbage_areas"
    __table_args__ = (UniqueConstraint("source", "name", name="uq_garbage_areas_source_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    reading: Mapped[str] = mapped_column(String(200), default="")
    center: Mapped[str] = mapped_column(String(100), default="")
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    remarks: Mapped[list[Any]] = mapped_column(default=list)  # texts referenced by `*n` in the rules
    position: Mapped[int] = mapped_column(Integer, default=0)


class GarbageCenter(Base):
    """A period when a collection center does not collect (5374 center.csv)."""

    __tablename__ = "garbage_centers"
    __table_args__ = (UniqueConstraint("source", "name", "break_start", name="uq_garbage_centers"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    break_start: Mapped[date] = mapped_column(Date)
    break_end: Mapped[date] = mapped_column(Date)


class GarbageMiss(Base):
    """An item a citizen asked about that the dictionary does not know: the staff's to-do list."""

    __tablename__ = "garbage_misses"
    __table_args__ = (Index("ix_garbage_misses_created", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    query: Mapped[str] = mapped_column(String(200))  # the item phrase only, never the whole message
    suggestions: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
