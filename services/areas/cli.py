"""`bot areas`: the collection areas as imported, by the exact names staff use (capacity, lists)."""

from __future__ import annotations

from bot.store.migrate import upgrade

from .directory import names


def cmd_areas(args, settings) -> int:
    upgrade(settings.database_url)
    print("\n".join(names(settings.database_url)))
    return 0


def add_commands(subparsers, settings_factory) -> None:
    """Called by bot.cli; every handler gets (args, settings)."""
    p = subparsers.add_parser("areas", help="list the collection areas imported from the city's garbage data")
    p.set_defaults(func=cmd_areas)
