"""The booking form's view of the collection areas, which are services.areas' (the garbage import; no other list).

Only the booking actions' imports keep this module: `area_names(database_url, config)` is their call, and the
config no longer adds areas. Once they import services.areas directly this module goes. Before the areas are
imported `area_names` raises services.areas.directory.NoAreas; database errors propagate to the engine.
"""

from __future__ import annotations

from services.areas.directory import AreaRow, load
from services.areas.matching import NO_NUMBER, OUTSIDE, UNKNOWN, AddressMatch, AreaIndex, match_address

from .config import BookingConfig

__all__ = ["NO_NUMBER", "OUTSIDE", "UNKNOWN", "AddressMatch", "area_names", "match_address"]


def area_names(database_url: str, config: BookingConfig) -> AreaIndex[AreaRow]:
    """The city's collection areas, to pass to `match_address`."""
    return load(database_url)
