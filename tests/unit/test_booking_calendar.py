"""Booking rules that must not contradict each other (issue 10 point 8): no pickup day is offered, or accepted when
typed, whose change and cancel deadline has already passed. On the fixture city's rules (2 working days of lead time,
changes until 2 working days before), over three weeks around 勤労感謝の日 (Monday 2026-11-23)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.booking import calendar
from services.booking.config import load_config
from tests.conftest import FIXTURE_CITY

CONFIG = load_config(FIXTURE_CITY)
DAYS = [date(2026, 11, 16) + timedelta(days=i) for i in range(21)]


@pytest.mark.parametrize("today", DAYS, ids=[f"{d} {d:%a}" for d in DAYS])
def test_every_day_offered_can_still_be_changed_or_cancelled(today):
    offered = list(calendar.pickup_days(today, CONFIG))
    assert offered and offered[0] == calendar.earliest(today, CONFIG)
    assert all(calendar.change_deadline(d, CONFIG) >= today for d in offered)


def test_on_a_weekend_the_lead_time_alone_would_offer_a_day_already_past_its_deadline():
    saturday = date(2026, 11, 21)
    by_lead_time = calendar.shift_working_days(saturday, CONFIG.lead_working_days, CONFIG)  # Wednesday 11-25
    assert calendar.change_deadline(by_lead_time, CONFIG) < saturday  # Friday 11-20: it could never be changed
    assert calendar.check_date(by_lead_time.isoformat(), saturday, CONFIG).problem == calendar.TOO_SOON
    assert calendar.earliest(saturday, CONFIG) == date(2026, 11, 26)
    assert calendar.change_deadline(date(2026, 11, 26), CONFIG) == date(2026, 11, 24)


def test_on_a_working_day_the_lead_time_is_unchanged():
    friday = date(2026, 11, 20)
    assert calendar.earliest(friday, CONFIG) == date(2026, 11, 25)  # its deadline is today: still changeable
    assert calendar.change_deadline(date(2026, 11, 25), CONFIG) == friday
