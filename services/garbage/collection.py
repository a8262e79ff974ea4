"""How each garbage category is collected, as the city profile says (`garbage_collection` in data/city.yml).

An item's answer must not claim what the city does not do: a category on a schedule gets its area's days
(or where to find them when the city has no calendar data), one collected on request offers a booking (or, in
a city that takes no bookings in the chat, the bulky office's contact), one taken to collection points says so,
and one the city does not collect says that. Checked when read, so a
typo fails at start-up with the allowed values.
"""

from __future__ import annotations

from pathlib import Path

from bot.city import derived
from bot.errors import ConfigError
from services.booking.config import load_config as booking_rules

SCHEDULE = "schedule"  # on the area's collection days (area_days of the open data)
REQUEST = "request"  # by booking, e.g. bulky waste
COLLECTION_POINT = "collection_point"  # taken by the citizen to a collection point or facility
NOT_COLLECTED = "none"  # the city does not collect it
KINDS = (SCHEDULE, REQUEST, COLLECTION_POINT, NOT_COLLECTED)
# Not written in city.yml: what `request` becomes while the city takes no bookings in the chat (bulky.yml).
REQUEST_BY_CONTACT = "request_by_contact"
SECTION = "garbage_collection"


def _read(profile: dict, path: str) -> dict[str, str]:
    section = profile.get(SECTION) or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: `{SECTION}` must map category ids to one of {', '.join(KINDS)}.")
    categories = set(profile.get("garbage_categories") or {})
    kinds = {str(k): str(v) for k, v in section.items()}
    wrong = {k: v for k, v in kinds.items() if v not in KINDS}
    if wrong:
        raise ConfigError(f"{path}: `{SECTION}` values must be one of {', '.join(KINDS)}, not {wrong}.")
    unknown = sorted(set(kinds) - categories)
    if unknown:
        raise ConfigError(f"{path}: `{SECTION}` names unknown category ids {unknown}; see `garbage_categories`.")
    return kinds


_kinds = derived(_read)


def collection_kinds(data_dir: Path) -> dict[str, str]:
    """Category id -> how it is collected; a category the profile leaves out has no kind (answered as if on a
    schedule, and listed by `bot city check`). `request` is REQUEST_BY_CONTACT while booking is off."""
    kinds = _kinds(data_dir)
    if booking_rules(data_dir).enabled:
        return kinds
    return {k: REQUEST_BY_CONTACT if v == REQUEST else v for k, v in kinds.items()}
