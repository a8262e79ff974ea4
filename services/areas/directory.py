"""The city's collection areas as imported: the one list every feature reads.

They are the rows of `garbage_areas` (models in services/garbage/models.py, where their migration is), which
`bot setup` and `bot import garbage` fill from the sources in data/garbage.yml. There is no other list: before
the import there are no areas, and whoever needs them says so (`NoAreas`) instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from bot.errors import BotError
from bot.store.db import session_factory
from services.garbage.models import GarbageArea, GarbageSource

from .matching import AreaIndex


class NoAreas(BotError):
    """No collection area is in the database yet."""

    def __init__(self) -> None:
        super().__init__(
            "No collection areas are in the database yet. Run `python -m bot setup` (or "
            "`python -m bot import garbage`) to import the city's garbage data (data/garbage.yml)."
        )


@dataclass(frozen=True)
class AreaRow:
    """One collection area: its name, the center that collects it and its 5374 rule per category id."""

    name: str
    center: str = ""
    rules: dict[str, str] = field(default_factory=dict)
    remarks: tuple[str, ...] = ()  # texts referenced by `*n` in the rules


def rows(session) -> list[AreaRow]:
    """Every area once, in the city's order; an area named by two sources is the better-ranked source's."""
    priority = dict(session.execute(select(GarbageSource.name, GarbageSource.priority)).all())
    found: dict[str, AreaRow] = {}
    for a in sorted(session.scalars(select(GarbageArea)), key=lambda a: (priority.get(a.source, 100), a.position)):
        found.setdefault(a.name, AreaRow(a.name, a.center, dict(a.rules), tuple(a.remarks)))
    return list(found.values())


def required(session) -> list[AreaRow]:
    """`rows`, or NoAreas when there are none."""
    found = rows(session)
    if not found:
        raise NoAreas()
    return found


def names(database_url: str) -> list[str]:
    """The areas' names in the city's order, as staff type them; NoAreas when there are none."""
    with session_factory(database_url)() as s:
        return [a.name for a in required(s)]


def load(database_url: str) -> AreaIndex[AreaRow]:
    """The areas of the database at `database_url`, to match typed names and addresses; NoAreas when empty."""
    with session_factory(database_url)() as s:
        return AreaIndex(required(s))
