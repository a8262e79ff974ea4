"""Tables of bulky-waste booking: bookings and their items, pickup capacity, and the wrong phone numbers that lock a
booking number (payments: services.payments).

The capacity row is the lock: a booking takes a place with one conditional UPDATE (`booked < capacity`), and a
CHECK keeps `booked` within 0..capacity even if code ever got that wrong.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.models import Base

if TYPE_CHECKING:
    from services.payments.models import Payment

# Booking.status
BOOKED, CANCELLED, COLLECTED, MISSED = "booked", "cancelled", "collected", "missed"


class Booking(Base):
    __tablename__ = "bulky_bookings"
    __table_args__ = (
        Index("ix_bulky_bookings_date_area", "pickup_date", "area"),
        Index("ix_bulky_bookings_sender", "channel", "sender_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)  # SD-XXXX-XXXX, from `secrets`
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)
    area: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))  # digits only
    pickup_date: Mapped[date] = mapped_column(Date)
    total_fee: Mapped[int] = mapped_column(Integer)
    payment_method: Mapped[str] = mapped_column(String(16))  # sticker | online
    channel: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str] = mapped_column(String(128))
    # One per filled-in form: a replayed confirmation finds the booking it already made.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reminder_claim: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reminder_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    items: Mapped[list[BookingItem]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="BookingItem.id", lazy="selectin"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="booking", order_by="Payment.created_at", lazy="selectin"
    )


class BookingItem(Base):
    __tablename__ = "bulky_booking_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bulky_bookings.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(64))  # fee table id, or "db:<name>" for a dictionary item
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_fee: Mapped[int] = mapped_column(Integer)

    booking: Mapped[Booking] = relationship(back_populates="items")


class PickupCapacity(Base):
    """Places of one area on one pickup day; the row appears with the first booking or a staff change."""

    __tablename__ = "bulky_pickup_capacity"
    __table_args__ = (CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_bulky_capacity_booked"),)

    area: Mapped[str] = mapped_column(String(100), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class LookupFailures(Base):
    """Wrong phone numbers given for one booking number since `window_start` (services.booking.lockout). In the
    database, so a lockout holds across workers and restarts."""

    __tablename__ = "bulky_lookup_failures"

    number: Mapped[str] = mapped_column(String(12), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
