"""Bookings in the database: reserve a place, find, cancel, move, mark, and the staff's capacity changes.

Each public method of `BookingStore` is one transaction. A place is taken by one conditional UPDATE
(`booked < capacity`) on the area's row for the day, so two citizens racing for the last place can never both
get it, on PostgreSQL (row lock, re-checked condition) as on SQLite (single writer). Every transaction writes
first, so SQLite takes its write lock at the start instead of failing to upgrade a read lock later.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.errors import BotError
from bot.store.db import insert_ignore, session_factory
from services.areas import directory as areas
from services.payments import models as _payment_models  # noqa: F401  (Booking.payments names Payment)

from . import calendar
from .config import BookingConfig
from .contact import new_booking_number
from .fees import FeeTable, Line, check_quantities, price
from .lockout import Lockouts
from .models import BOOKED, CANCELLED, COLLECTED, MISSED, Booking, BookingItem, PickupCapacity

NUMBER_ATTEMPTS = 5  # fresh numbers tried when one is taken already (about 1 in 10^11 per booking)


class BookingError(BotError):
    """A booking operation that cannot be done; the action tells the citizen why."""


class DateFull(BookingError):
    """No place is left in the area on that day."""


class NotFound(BookingError):
    """No booking with that number (and phone number)."""


class NotChangeable(BookingError):
    """The booking is cancelled or done already."""


class InvalidItems(BookingError):
    """The items cannot be booked: an id the fee table lacks, a count outside the city's limits, or none."""


class Locked(BookingError):
    """Too many wrong phone numbers were given for this booking number lately; it is locked for a while."""


class DeadlinePassed(BookingError):
    def __init__(self, deadline: date, pickup: date):
        super().__init__(f"The booking for {pickup.isoformat()} could be changed until {deadline.isoformat()}.")
        self.deadline = deadline
        self.pickup = pickup


class UnknownArea(BookingError):
    def __init__(self, area: str):
        super().__init__(f"No collection area is named {area!r}; `python -m bot areas` lists them.")
        self.area = area


class CapacityBelowBooked(BookingError):
    def __init__(self, booked: int):
        super().__init__(f"{booked} bookings exist already; the capacity cannot be lower than that.")
        self.booked = booked


@dataclass(frozen=True)
class Draft:
    """A filled-in booking form. Its items are fee-table ids and counts: `reserve` prices them from the table."""

    area: str
    address: str
    name: str
    phone: str  # digits
    pickup_date: date
    items: tuple[tuple[str, int], ...]  # (fee-table id, count)
    payment_method: str
    channel: str
    sender_id: str
    request_key: str | None = None


@dataclass(frozen=True)
class BookingView:
    number: str
    status: str
    area: str
    address: str
    name: str
    phone: str
    pickup_date: date
    total_fee: int
    payment_method: str
    channel: str
    sender_id: str
    lines: tuple[Line, ...] = field(default_factory=tuple)
    payment_status: str | None = None

    @classmethod
    def of(cls, b: Booking) -> BookingView:
        payment = b.payments[-1] if b.payments else None
        return cls(
            b.number,
            b.status,
            b.area,
            b.address,
            b.name,
            b.phone,
            b.pickup_date,
            b.total_fee,
            b.payment_method,
            b.channel,
            b.sender_id,
            tuple(Line(i.item_id, i.name, i.quantity, i.unit_fee) for i in b.items),
            payment.status if payment else None,
        )


class BookingStore:
    def __init__(self, database_url: str, config: BookingConfig):
        self.Session = session_factory(database_url)
        self.config = config
        self.lookups = Lockouts(self.Session, config.lookup_lockout)

    # -- dates -----------------------------------------------------------------------------------------
    def booked_counts(self, area: str, start: date, end: date) -> dict[date, tuple[int, int]]:
        """(capacity, booked) of the days in [start, end] that have a row."""
        with self.Session() as s:
            rows = s.execute(
                select(PickupCapacity.date, PickupCapacity.capacity, PickupCapacity.booked).where(
                    PickupCapacity.area == area, PickupCapacity.date >= start, PickupCapacity.date <= end
                )
            ).all()
        return {d: (c, b) for d, c, b in rows}

    def places_left(self, area: str, day: date) -> int:
        capacity, booked = self.booked_counts(area, day, day).get(day, (self.config.area_capacity(area), 0))
        return max(capacity - booked, 0)

    def free_dates(self, area: str, today: date, limit: int | None = None, exclude: date | None = None) -> list[date]:
        """The next pickup days with a place left in `area`."""
        counts = self.booked_counts(area, calendar.earliest(today, self.config), calendar.latest(today, self.config))
        default = (self.config.area_capacity(area), 0)
        out = []
        for d in calendar.pickup_days(today, self.config):
            capacity, booked = counts.get(d, default)
            if booked < capacity and d != exclude:
                out.append(d)
                if limit and len(out) >= limit:
                    break
        return out

    def _take_place(self, s, area: str, day: date) -> None:
        insert_ignore(
            s, PickupCapacity, {"area": area, "date": day, "capacity": self.config.area_capacity(area), "booked": 0}
        )
        taken = s.execute(
            update(PickupCapacity)
            .where(
                PickupCapacity.area == area, PickupCapacity.date == day, PickupCapacity.booked < PickupCapacity.capacity
            )
            .values(booked=PickupCapacity.booked + 1)
        ).rowcount
        if taken != 1:
            raise DateFull(f"No place left in {area} on {day.isoformat()}.")

    @staticmethod
    def _release_place(s, area: str, day: date) -> None:
        s.execute(
            update(PickupCapacity)
            .where(PickupCapacity.area == area, PickupCapacity.date == day, PickupCapacity.booked > 0)
            .values(booked=PickupCapacity.booked - 1)
        )

    # -- booking ---------------------------------------------------------------------------------------
    def reserve(self, draft: Draft, now: datetime, fees: FeeTable) -> tuple[BookingView, bool]:
        """Take a place and store the booking; (booking, False) when this form's booking exists already.

        Names, fees and the total come from `fees` here, and the city's limits are checked again: whatever the
        conversation carried, no booking gets a price, a name or a count the city did not set (InvalidItems)."""
        if draft.request_key:
            existing = self.by_request_key(draft.request_key)
            if existing:
                return existing, False
        priced = price(list(draft.items), fees)
        check_quantities(priced, self.config.max_quantity)
        if not priced.bookable(self.config.max_pieces):
            raise InvalidItems("These items cannot be booked.")
        lines = priced.lines
        for _ in range(NUMBER_ATTEMPTS):
            try:
                with self.Session() as s, s.begin():
                    self._take_place(s, draft.area, draft.pickup_date)
                    booking = Booking(
                        number=new_booking_number(),
                        status=BOOKED,
                        area=draft.area,
                        address=draft.address,
                        name=draft.name,
                        phone=draft.phone,
                        pickup_date=draft.pickup_date,
                        total_fee=sum(line.subtotal for line in lines),
                        payment_method=draft.payment_method,
                        channel=draft.channel,
                        sender_id=draft.sender_id,
                        request_key=draft.request_key,
                        created_at=now,
                        updated_at=now,
                        items=[
                            BookingItem(item_id=line.id, name=line.name, quantity=line.quantity, unit_fee=line.fee)
                            for line in lines
                        ],
                    )
                    s.add(booking)
                    s.flush()
                    return BookingView.of(booking), True
            except IntegrityError:  # rolled back, place included
                # The same form confirmed twice at the same moment: the other request made the booking.
                existing = self.by_request_key(draft.request_key) if draft.request_key else None
                if existing:
                    return existing, False
        raise BookingError("Could not draw an unused booking number.")

    def by_request_key(self, key: str) -> BookingView | None:
        with self.Session() as s:
            b = s.scalar(select(Booking).where(Booking.request_key == key))
            return BookingView.of(b) if b else None

    def get(self, number: str) -> BookingView | None:
        with self.Session() as s:
            b = s.scalar(select(Booking).where(Booking.number == number))
            return BookingView.of(b) if b else None

    def find(self, number: str, phone: str, now: datetime) -> BookingView | None:
        """The booking when the number and its phone number both match. Wrong phone numbers are counted per number:
        too many lock it (Locked), whether the phone number given then is right or not."""
        if self.lookups.locked(number, now):
            raise Locked(number)
        booking = self.get(number)
        if booking is None or not hmac.compare_digest(booking.phone.encode(), (phone or "").encode()):
            if self.lookups.fail(number, now):
                raise Locked(number)
            return None
        self.lookups.clear(number)
        return booking

    def for_sender(self, channel: str, sender_id: str, today: date) -> list[BookingView]:
        """Upcoming bookings made from this chat user (LINE identifies its users)."""
        with self.Session() as s:
            rows = s.scalars(
                select(Booking)
                .where(
                    Booking.channel == channel,
                    Booking.sender_id == sender_id,
                    Booking.status == BOOKED,
                    Booking.pickup_date >= today,
                )
                .order_by(Booking.pickup_date)
            ).all()
            return [BookingView.of(b) for b in rows]

    def _locked(self, s, number: str, now: datetime) -> Booking:
        """The booking, write-locked for the rest of the transaction (the UPDATE takes the lock)."""
        if s.execute(update(Booking).where(Booking.number == number).values(updated_at=now)).rowcount != 1:
            raise NotFound(number)
        return s.scalar(select(Booking).where(Booking.number == number))

    def _check_changeable(self, b: Booking, today: date) -> None:
        if b.status != BOOKED:
            raise NotChangeable(b.status)
        deadline = calendar.change_deadline(b.pickup_date, self.config)
        if today > deadline:
            raise DeadlinePassed(deadline, b.pickup_date)

    def cancel(self, number: str, now: datetime) -> BookingView:
        with self.Session() as s, s.begin():
            b = self._locked(s, number, now)
            self._check_changeable(b, now.date())
            b.status, b.cancelled_at = CANCELLED, now
            self._release_place(s, b.area, b.pickup_date)
            s.flush()
            return BookingView.of(b)

    def change_date(self, number: str, new_date: date, now: datetime) -> BookingView:
        with self.Session() as s, s.begin():
            b = self._locked(s, number, now)
            self._check_changeable(b, now.date())
            if new_date != b.pickup_date:
                self._take_place(s, b.area, new_date)
                self._release_place(s, b.area, b.pickup_date)
                b.pickup_date = new_date
                b.reminder_claim = b.reminder_claimed_at = b.reminder_sent_at = None
            s.flush()
            return BookingView.of(b)

    # -- staff -----------------------------------------------------------------------------------------
    def mark(self, number: str, status: str, now: datetime) -> BookingView:
        if status not in (COLLECTED, MISSED, BOOKED):
            raise BookingError(f"Unknown status {status!r}; use collected or missed.")
        with self.Session() as s, s.begin():
            b = self._locked(s, number, now)
            if b.status == CANCELLED:
                raise NotChangeable(b.status)
            b.status = status
            s.flush()
            return BookingView.of(b)

    def set_capacity(self, area: str, day: date, capacity: int) -> tuple[int, int]:
        """Set the places of one area on one day; never below the bookings it has. Returns (capacity, booked).

        The area must be one of the imported collection areas (NoAreas before any are, UnknownArea otherwise)."""
        if not 0 <= capacity <= self.config.max_capacity:
            raise BookingError(f"The capacity must be a whole number from 0 to {self.config.max_capacity}.")
        with self.Session() as s:
            if area not in {a.name for a in areas.required(s)}:
                raise UnknownArea(area)
        with self.Session() as s, s.begin():
            insert_ignore(s, PickupCapacity, {"area": area, "date": day, "capacity": capacity, "booked": 0})
            s.execute(
                update(PickupCapacity)
                .where(PickupCapacity.area == area, PickupCapacity.date == day, PickupCapacity.booked <= capacity)
                .values(capacity=capacity)
            )
            row = s.get(PickupCapacity, (area, day))
            if row.capacity != capacity:
                raise CapacityBelowBooked(row.booked)
            return row.capacity, row.booked

    def day_list(self, day: date, area: str | None = None) -> list[BookingView]:
        """Every booking of a pickup day (optionally one area), by area then number: the crews' list."""
        with self.Session() as s:
            query = select(Booking).where(Booking.pickup_date == day)
            if area:
                query = query.where(Booking.area == area)
            rows = s.scalars(query.order_by(Booking.area, Booking.number)).all()
            return [BookingView.of(b) for b in rows]

    def day_capacity(self, day: date) -> list[tuple[str, int, int]]:
        """(area, capacity, booked) of the areas that have a row on `day`."""
        with self.Session() as s:
            rows = s.execute(
                select(PickupCapacity.area, PickupCapacity.capacity, PickupCapacity.booked)
                .where(PickupCapacity.date == day)
                .order_by(PickupCapacity.area)
            ).all()
        return [tuple(r) for r in rows]
