"""Collection areas for tests that need a few of them without the whole garbage import (stores, staff tools)."""

from __future__ import annotations

from bot.store.db import session_factory
from services.garbage.models import GarbageArea


def add_areas(database_url: str, *names: str, source: str = "test") -> None:
    """Add areas as a garbage source would import them (the database must be migrated)."""
    with session_factory(database_url)() as s, s.begin():
        s.add_all(GarbageArea(source=source, name=name, position=i) for i, name in enumerate(names))
