"""The one clock that everything date-related asks: "now" in the city's time zone (city.yml `city.timezone`),
or the fixed BOT_FIXED_NOW of tests and demos (a fixed time without an offset is read in the city's zone)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .city import load_city
from .errors import ConfigError

DEFAULT_ZONE = "Asia/Tokyo"


def city_zone(data_dir: Path) -> ZoneInfo:
    """The city's time zone; a name that is no IANA zone is a ConfigError."""
    name = str((load_city(data_dir).get("city") or {}).get("timezone") or DEFAULT_ZONE)
    try:
        return ZoneInfo(name)  # ZoneInfo keeps the zones it has read
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{Path(data_dir) / 'city.yml'}: city.timezone `{name}` is not a time zone name such as {DEFAULT_ZONE}."
        ) from None


def now(settings) -> datetime:
    """The current time (or the fixed one) as an aware datetime in the city's zone."""
    zone = city_zone(settings.data_dir)
    fixed = settings.fixed_now
    if fixed is None:
        return datetime.now(zone)
    return fixed.replace(tzinfo=zone) if fixed.tzinfo is None else fixed.astimezone(zone)


def clock(settings) -> Callable[[], datetime]:
    """`now` bound to `settings`, for what takes a clock: the engine, the NLU's date extractor, payments."""
    return partial(now, settings)
