"""Tables of online payment: our payments of bookings, the provider callbacks applied, and the sandbox's ledger and
outgoing callbacks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.models import Base
from services.booking.models import Booking  # a payment belongs to a booking (the mapper needs both classes)

# Payment.status: pending → paid → refunded; a pending payment of a cancelled booking becomes cancelled. Money that
# must go back waits in refund_pending until the provider takes the refund (retried: PaymentService.retry_refunds).
PENDING, PAID, REFUND_PENDING, REFUNDED = "pending", "paid", "refund_pending", "refunded"
PAYMENT_CANCELLED = "cancelled"


class Payment(Base):
    """One online payment of a booking at a provider; `id` is ours and random, `provider_ref` is theirs."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("provider", "provider_ref", name="uq_payments_provider_ref"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bulky_bookings.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    checkout_url: Mapped[str] = mapped_column(Text, default="")
    refund_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    booking: Mapped[Booking] = relationship(back_populates="payments")


class PaymentEvent(Base):
    """Every provider callback applied, once: a repeated event id is recognised and ignored."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_payment_events"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(128))
    payment_id: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SandboxCharge(Base):
    """The sandbox payment service's own ledger (a real provider keeps this on its side)."""

    __tablename__ = "payment_sandbox_charges"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    merchant_ref: Mapped[str] = mapped_column(String(40), unique=True)  # our Payment.id
    amount: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200))
    callback_url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # open | paid | cancelled | refunded
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SandboxCallback(Base):
    """The sandbox's callbacks that the merchant has not taken yet: a queue that a worker thread sends, with retries.

    A row is claimed by raising `attempts` (and pushing `next_try_at` past the send), so two workers never send it
    at once; it is deleted once the merchant answers 2xx. `next_try_at` None: given up after the last attempt.
    """

    __tablename__ = "payment_sandbox_callbacks"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    charge_id: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    last_error: Mapped[str] = mapped_column(String(200), default="")
