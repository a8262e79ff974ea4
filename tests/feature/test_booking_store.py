"""Bookings, capacity, reminders and the outbox on real SQLite and PostgreSQL, including races between writers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from bot import outbox
from bot.store.db import get_engine, session_factory
from bot.store.migrate import downgrade, upgrade
from services.booking import reminders
from services.booking.config import load_config
from services.booking.fees import load_table
from services.booking.models import Booking, PickupCapacity
from services.booking.service import BookingStore, CapacityBelowBooked, DateFull, DeadlinePassed, Draft, NotChangeable
from tests.support.area_support import add_areas

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=JST)
PICKUP = date(2026, 11, 25)
TABLES = {
    "bulky_bookings",
    "bulky_booking_items",
    "bulky_pickup_capacity",
    "payments",
    "payment_events",
    "payment_sandbox_charges",
    "outbox",
    "bulky_lookup_failures",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'booking.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    upgrade(url)
    return url


@pytest.fixture
def store(db_url, trained_settings):
    add_areas(db_url, "泉野", "浅野")
    return BookingStore(db_url, load_config(trained_settings.data_dir))


@pytest.fixture
def fees(db_url, trained_settings):
    return load_table(trained_settings.data_dir, db_url)


def draft(key: str | None = None, day: date = PICKUP, area: str = "泉野", channel: str = "rest", sender: str = "u"):
    return Draft(
        area=area,
        address=f"{area}町1-1",
        name="山田花子",
        phone="09012345678",
        pickup_date=day,
        items=(("sofa", 2),),
        payment_method="sticker",
        channel=channel,
        sender_id=sender,
        request_key=key,
    )


def test_migration_creates_and_drops_the_booking_tables(db_url):
    assert set(inspect(get_engine(db_url)).get_table_names()) >= TABLES
    downgrade(db_url, "0002_garbage")
    assert not TABLES & set(inspect(get_engine(db_url)).get_table_names())
    upgrade(db_url)
    assert set(inspect(get_engine(db_url)).get_table_names()) >= TABLES


def test_reserve_stores_the_booking_and_takes_one_place(store, fees):
    booking, created = store.reserve(draft("form-1"), NOW, fees)
    assert created and booking.total_fee == 2000 and booking.lines[0].quantity == 2
    again, created = store.reserve(draft("form-1"), NOW, fees)  # the confirmation replayed
    assert not created and again.number == booking.number
    assert store.day_capacity(PICKUP) == [("泉野", 20, 1)]
    assert store.find(booking.number, "09012345678", NOW).number == booking.number
    assert store.find(booking.number, "09099999999", NOW) is None
    assert store.free_dates("泉野", NOW.date(), 2) == [date(2026, 11, 25), date(2026, 11, 26)]


def test_two_citizens_racing_for_the_last_places_never_both_get_one(store, db_url, fees):
    store.set_capacity("泉野", PICKUP, 3)
    barrier = threading.Barrier(10)

    def attempt(i):
        barrier.wait()
        try:
            return store.reserve(draft(f"race-{i}", sender=f"u{i}"), NOW, fees)[0].number
        except DateFull:
            return None

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(attempt, range(10)))
    assert sum(r is not None for r in results) == 3
    with session_factory(db_url)() as s:
        assert s.scalar(select(func.count()).select_from(Booking).where(Booking.pickup_date == PICKUP)) == 3
        assert s.get(PickupCapacity, ("泉野", PICKUP)).booked == 3
    assert PICKUP not in store.free_dates("泉野", NOW.date())


def test_one_form_confirmed_at_the_same_moment_books_once(store, db_url, fees):
    barrier = threading.Barrier(6)

    def attempt(_):
        barrier.wait()
        return store.reserve(draft("same-form"), NOW, fees)[0].number

    with ThreadPoolExecutor(6) as pool:
        assert len(set(pool.map(attempt, range(6)))) == 1
    assert store.day_capacity(PICKUP) == [("泉野", 20, 1)]


def test_moving_and_cancelling_keep_the_counts_and_respect_the_deadline(store, fees):
    booking, _ = store.reserve(draft(), NOW, fees)
    store.set_capacity("泉野", date(2026, 11, 26), 0)
    with pytest.raises(DateFull):
        store.change_date(booking.number, date(2026, 11, 26), NOW)
    moved = store.change_date(booking.number, date(2026, 11, 30), NOW)
    assert moved.pickup_date == date(2026, 11, 30)
    assert store.day_capacity(PICKUP) == [("泉野", 20, 0)] and store.day_capacity(date(2026, 11, 30)) == [
        ("泉野", 20, 1)
    ]
    # A Monday 11-30 pickup can be changed until Thursday 11-26 (2 working days before).
    with pytest.raises(DeadlinePassed) as exc:
        store.cancel(booking.number, datetime(2026, 11, 27, 9, 0, tzinfo=JST))
    assert exc.value.deadline == date(2026, 11, 26) and exc.value.pickup == date(2026, 11, 30)
    cancelled = store.cancel(booking.number, datetime(2026, 11, 26, 17, 0, tzinfo=JST))
    assert cancelled.status == "cancelled" and store.day_capacity(date(2026, 11, 30)) == [("泉野", 20, 0)]
    with pytest.raises(NotChangeable):
        store.cancel(booking.number, NOW)


def test_capacity_is_never_set_below_the_bookings_and_staff_mark_pickups(store, fees):
    booking, _ = store.reserve(draft(), NOW, fees)
    store.reserve(draft(), NOW, fees)
    with pytest.raises(CapacityBelowBooked) as exc:
        store.set_capacity("泉野", PICKUP, 1)
    assert exc.value.booked == 2
    assert store.set_capacity("泉野", PICKUP, 2) == (2, 2)
    assert store.set_capacity("浅野", PICKUP, 0) == (0, 0)
    assert store.mark(booking.number, "collected", NOW).status == "collected"
    assert {b.status for b in store.day_list(PICKUP, "泉野")} == {"collected", "booked"}


def test_reminders_go_out_once_even_from_parallel_runs(db_url, trained_settings, fees):
    settings = trained_settings.with_(database_url=db_url)
    store = BookingStore(db_url, load_config(settings.data_dir))
    numbers = [store.reserve(draft(sender=f"web-{i}"), NOW, fees)[0].number for i in range(12)]
    store.reserve(draft(day=date(2026, 11, 27)), NOW, fees)  # not due yet
    day_before = datetime(2026, 11, 24, 18, 0, tzinfo=JST)
    barrier = threading.Barrier(4)

    def run(_):
        barrier.wait()
        return reminders.run(settings, day_before).sent

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(run, range(4))) == 12
    assert reminders.run(settings, day_before).sent == 0
    delivered = [m for i in range(12) for m in outbox.fetch(db_url, f"web-{i}")]
    assert len(delivered) == 12
    assert all("粗大ごみ" in m["text"] and "11月25日" in m["text"] for m in delivered)
    assert {n for n in numbers if any(n in m["text"] for m in delivered)} == set(numbers)
    assert outbox.fetch(db_url, "web-0") == []


def test_a_claim_left_by_a_dead_run_is_taken_over_with_the_same_retry_key(db_url, trained_settings, fees):
    settings = trained_settings.with_(database_url=db_url)
    store = BookingStore(db_url, load_config(settings.data_dir))
    booking, _ = store.reserve(draft(sender="web-x"), NOW, fees)
    at = datetime(2026, 11, 24, 18, 0, tzinfo=JST)
    _token, claimed = reminders.claim(db_url, at, 1, timedelta(minutes=15))
    assert [b.number for b in claimed] == [booking.number]
    assert outbox.add(db_url, "web-x", "first try", reminders.retry_key(claimed[0]))  # sent, then the run died
    assert reminders.run(settings, at + timedelta(minutes=5)).sent == 0  # still claimed
    assert reminders.run(settings, at + timedelta(minutes=20)).sent == 1  # taken over
    assert [m["text"] for m in outbox.fetch(db_url, "web-x")] == ["first try"]  # same retry key: not twice


def test_outbox_hands_each_message_out_once(db_url):
    for i in range(8):
        assert outbox.add(db_url, "w", f"m{i}", f"k{i}")
    assert not outbox.add(db_url, "w", "m0 again", "k0")
    barrier = threading.Barrier(4)

    def fetch(_):
        barrier.wait()
        return [m["text"] for m in outbox.fetch(db_url, "w", limit=3)]

    with ThreadPoolExecutor(4) as pool:
        got = [t for batch in pool.map(fetch, range(4)) for t in batch]
    got += [m["text"] for m in outbox.fetch(db_url, "w")]
    assert sorted(got) == sorted(f"m{i}" for i in range(8))


def test_the_capacity_check_constraint_guards_the_count(db_url, store):
    store.set_capacity("泉野", PICKUP, 1)
    with pytest.raises(IntegrityError), session_factory(db_url)() as s, s.begin():
        s.execute(update(PickupCapacity).values(booked=2))
