"""Which days can have a pickup, and the working-day arithmetic of lead times and deadlines.

A pickup day is one of the configured weekdays that is neither a Japanese holiday (jpholiday) nor a closed day
of the year. A working day (for lead times and deadlines) is a weekday that is not a holiday or closed day.
Capacity is not known here; services.booking.service adds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import jpholiday

from .config import BookingConfig

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")

# Why a date cannot be booked (the action turns each into its own polite reply).
INVALID, PAST, TOO_SOON, TOO_FAR, NO_PICKUP_WEEKDAY, HOLIDAY, CLOSED = (
    "invalid",
    "past",
    "too_soon",
    "too_far",
    "weekday",
    "holiday",
    "closed",
)


@dataclass(frozen=True)
class DateCheck:
    day: date | None
    problem: str | None = None
    holiday: str = ""  # the holiday's name, for HOLIDAY

    @property
    def ok(self) -> bool:
        return self.problem is None


def _closed(d: date, config: BookingConfig) -> bool:
    return (d.month, d.day) in config.closed_dates


def is_working_day(d: date, config: BookingConfig) -> bool:
    return d.weekday() < 5 and not jpholiday.is_holiday(d) and not _closed(d, config)


def is_pickup_day(d: date, config: BookingConfig) -> bool:
    return d.weekday() in config.pickup_weekdays and not jpholiday.is_holiday(d) and not _closed(d, config)


def shift_working_days(d: date, n: int, config: BookingConfig) -> date:
    """The n-th working day after `d` (n > 0) or before it (n < 0); `d` itself for n == 0."""
    step = 1 if n > 0 else -1
    remaining = abs(n)
    while remaining:
        d += timedelta(days=step)
        if is_working_day(d, config):
            remaining -= 1
    return d


def earliest(today: date, config: BookingConfig) -> date:
    """The first day a pickup may be booked for: the lead time after today, and never a day whose change and cancel
    deadline has already passed (on a weekend the lead time alone would offer one: booked, and fixed at once)."""
    d = shift_working_days(today, config.lead_working_days, config)
    while change_deadline(d, config) < today:
        d += timedelta(days=1)
    return d


def latest(today: date, config: BookingConfig) -> date:
    return today + timedelta(days=config.horizon_days)


def pickup_days(today: date, config: BookingConfig):
    """Every bookable pickup day from the earliest to the latest, in order."""
    d, last = earliest(today, config), latest(today, config)
    while d <= last:
        if is_pickup_day(d, config):
            yield d
        d += timedelta(days=1)


def change_deadline(pickup: date, config: BookingConfig) -> date:
    """The last day on which a booking for `pickup` can still be cancelled or moved."""
    return shift_working_days(pickup, -config.cancel_deadline_working_days, config)


def parse_iso(value: str | None) -> date | None:
    m = _ISO.match(str(value or "").strip())
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:  # 2月30日 arrives as "YYYY-02-30"
        return None


def check_date(value: str, today: date, config: BookingConfig) -> DateCheck:
    """Whether an ISO date (as the NLU or a date button gives it) can be a pickup day, and if not why."""
    d = parse_iso(value)
    if d is None:
        return DateCheck(None, INVALID)
    if d < today:
        return DateCheck(d, PAST)
    if d > latest(today, config):
        return DateCheck(d, TOO_FAR)
    if jpholiday.is_holiday(d):
        return DateCheck(d, HOLIDAY, jpholiday.is_holiday_name(d) or "")
    if _closed(d, config):
        return DateCheck(d, CLOSED)
    if d.weekday() not in config.pickup_weekdays:
        return DateCheck(d, NO_PICKUP_WEEKDAY)
    if d < earliest(today, config):
        return DateCheck(d, TOO_SOON)
    return DateCheck(d)
