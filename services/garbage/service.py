"""The garbage data as the actions see it: built from the database once per process, rebuilt when it changes.

Each question costs one cheap query (the highest source revision); only when staff have imported or edited
something since the last build is the index built again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select

from bot.filecache import FileCache, stamps
from bot.store.db import session_factory
from services.areas import directory

from .areas import Area, Areas
from .config import GarbageConfig, config_files, load_config
from .lookup import Entry, Index
from .models import GarbageCenter, GarbageItem, GarbageMiss, GarbageSource, GarbageSynonym
from .schedule import Breaks


@dataclass(frozen=True)
class Snapshot:
    version: tuple  # the highest source revision and the config files' stamps it was built from
    index: Index
    areas: Areas


def build_snapshot(session, config: GarbageConfig, version: tuple = ()) -> Snapshot:
    """Read every source's rows and build the item index and the areas."""
    priority = {s.name: s.priority for s in session.scalars(select(GarbageSource))}
    entries: list[Entry] = []
    synonyms: dict[str, list[str]] = {}
    for i in session.scalars(select(GarbageItem)):
        entries.append(
            Entry(
                name=i.name,
                reading=i.reading,
                category=i.category,
                notes=i.notes,
                remarks=i.remarks,
                bulky_fee=i.bulky_fee,
                area=i.area,
                source=i.source,
                priority=priority.get(i.source, 100),
                position=i.position,
            )
        )
        if i.synonyms:
            synonyms.setdefault(i.name, []).extend(i.synonyms)
    for syn in session.scalars(select(GarbageSynonym)):
        synonyms.setdefault(syn.item_name, []).append(syn.synonym)
    breaks: dict[str, list] = {}
    for c in session.scalars(select(GarbageCenter)):
        breaks.setdefault(c.name, []).append((c.break_start, c.break_end))
    yearly = config.repeat_breaks_yearly
    areas = [
        Area(a.name, a.rules, a.center, a.remarks, Breaks(tuple(breaks.get(a.center, [])), yearly))
        for a in directory.rows(session)
    ]
    return Snapshot(version, Index(entries, synonyms), Areas(areas))


class GarbageService:
    """Config, sessions and the cached snapshot for one database and data directory."""

    def __init__(self, database_url: str, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.Session = session_factory(database_url)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def config(self) -> GarbageConfig:
        return _CONFIGS.get(config_files(self.data_dir), self.data_dir)

    def snapshot(self) -> Snapshot:
        with self.Session() as s:
            version = (s.scalar(select(func.max(GarbageSource.revision))) or 0, stamps(config_files(self.data_dir)))
            if self._snapshot is None or self._snapshot.version != version:
                with self._lock:
                    if self._snapshot is None or self._snapshot.version != version:
                        self._snapshot = build_snapshot(s, self.config, version)
        return self._snapshot

    def log_miss(self, query: str, suggestions: list[str]) -> None:
        with self.Session() as s, s.begin():
            s.add(GarbageMiss(query=query[:200], suggestions=suggestions, created_at=datetime.now(UTC)))


_CONFIGS = FileCache(load_config, maxsize=4)


@lru_cache(maxsize=4)
def get_service(database_url: str, data_dir: Path) -> GarbageService:
    """One service per process and database: the actions' shared cache."""
    return GarbageService(database_url, data_dir)
