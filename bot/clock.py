"""The clock that everything date-related asks, so tests and demos can fix "now"."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def make_clock(fixed_now: str = "", tz: str = "Asia/Tokyo"):
    """A function returning an aware datetime: the real time, or the fixed ISO time given."""
    zone = ZoneInfo(tz)
    if fixed_now:
        fixed = datetime.fromisoformat(fixed_now)
        fixed = fixed if fixed.tzinfo else fixed.replace(tzinfo=zone)
        return lambda: fixed
    return lambda: datetime.now(zone)
