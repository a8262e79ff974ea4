"""Our side of online payments: pending → paid → refunded, whatever order the provider's callbacks come in.

- A callback is applied once: its event id is stored, a repeat is recognised and changes nothing. A callback that
  names no payment of ours, or does not match it (reference or amount), is not applied and its event id stays
  unused: the answer asks the provider to send it again, and a later delivery is applied.
- States only move forward: a late "paid" never undoes a refund, and never brings a cancelled booking back.
- A refund proves the payment: one that arrives before its payment's own callback is applied at once (the payment
  becomes refunded, and the "paid" that follows changes nothing).
- Money that must go back (paid for a booking cancelled already, or for a checkout we voided) is marked
  refund_pending before the provider is asked, and stays so until the provider takes the refund: it is retried on
  every later callback and by `bot payments retry` (cron), with the payment's id as the idempotency key, so a retry
  never refunds twice.
- Cancelling a booking voids its open checkout, or refunds it when the citizen had paid.
Provider calls happen outside transactions; each state change is one conditional UPDATE.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.store.db import insert_ignore, session_factory
from services.booking.models import BOOKED, CANCELLED, Booking
from services.booking.service import BookingError, BookingView, NotChangeable, NotFound

from . import base
from .models import PAID, PAYMENT_CANCELLED, PENDING, REFUND_PENDING, REFUNDED, Payment, PaymentEvent

log = logging.getLogger(__name__)

# Outcomes of a callback that was not applied: its event id is not used up, so the provider can send it again.
NOT_APPLIED = ("unknown_payment", "mismatch")
# Pending refunds retried after each callback (the longest untried first), so a callback's answer stays quick
REFUNDS_PER_CALLBACK = 3


@dataclass(frozen=True)
class PaymentView:
    id: str
    status: str
    amount: int
    url: str


class PaymentService:
    def __init__(
        self,
        database_url: str,
        provider: base.PaymentProvider,
        callback_url: str,
        now: Callable[[], datetime],
        describe: Callable[[str], str],
        on_paid: Callable[[BookingView], None] | None = None,
    ):
        self.Session = session_factory(database_url)
        self.provider = provider
        self.callback_url = callback_url
        self.now = now
        self.describe = describe  # booking number → what the payment is for, on the provider's page
        self.on_paid = on_paid

    # -- paying ----------------------------------------------------------------------------------------
    def start(self, number: str) -> PaymentView:
        """The booking's checkout: the open or settled one if there is one, else a new one at the provider."""
        with self.Session() as s, s.begin():
            if s.execute(update(Booking).where(Booking.number == number).values(updated_at=self.now())).rowcount != 1:
                raise NotFound(number)
            booking = s.scalar(select(Booking).where(Booking.number == number))
            if booking.status != BOOKED:
                raise NotChangeable(booking.status)
            if booking.total_fee <= 0:
                raise BookingError("Nothing to pay.")
            current = next((p for p in reversed(booking.payments) if p.status in (PENDING, PAID)), None)
            if current is None:
                current = Payment(
                    id="pay_" + secrets.token_urlsafe(18),
                    booking_id=booking.id,
                    provider=self.provider.name,
                    amount=booking.total_fee,
                    status=PENDING,
                    checkout_url="",
                    created_at=self.now(),
                    updated_at=self.now(),
                )
                s.add(current)
            view = PaymentView(current.id, current.status, current.amount, current.checkout_url)
        if view.url:
            return view
        checkout = self.provider.create_checkout(view.id, view.amount, self.describe(number), self.callback_url)
        with self.Session() as s, s.begin():
            s.execute(
                update(Payment)
                .where(Payment.id == view.id)
                .values(provider_ref=checkout.provider_ref, checkout_url=checkout.url, updated_at=self.now())
            )
        return PaymentView(view.id, view.status, view.amount, checkout.url)

    # -- callbacks -------------------------------------------------------------------------------------
    def handle_callback(self, body: bytes, headers: base.Headers) -> str:
        """Verify and apply one callback, then retry the refunds still waiting for the provider; raises
        base.InvalidCallback for a forged, stale or malformed one."""
        outcome = self.apply(self.provider.parse_callback(body, headers))
        self.retry_refunds(limit=REFUNDS_PER_CALLBACK)
        return outcome

    def apply(self, event: base.CallbackEvent) -> str:
        """Apply a provider event once. Returns what happened (for logs and the callback's answer)."""
        with self.Session() as s, s.begin():
            refused = self._refusal(s, event)
            if refused:
                return refused
            fresh = insert_ignore(
                s,
                PaymentEvent,
                {
                    "provider": self.provider.name,
                    "event_id": event.event_id,
                    "payment_id": event.payment_id,
                    "type": event.type,
                    "outcome": "received",
                    "received_at": self.now(),
                },
            )
            if not fresh:
                return "duplicate"
            outcome, notify = self._apply(s, event)
            s.execute(
                update(PaymentEvent)
                .where(PaymentEvent.provider == self.provider.name, PaymentEvent.event_id == event.event_id)
                .values(outcome=outcome)
            )
        if outcome == "paid_after_cancel":
            try:
                self.refund(event.payment_id)
            except base.PaymentError as exc:  # stays refund_pending: retried on the next callback and by the CLI
                log.warning("refund of payment %s is pending: %s", event.payment_id, exc)
                outcome = "paid_after_cancel_refund_pending"
        if notify is not None and self.on_paid:
            try:
                self.on_paid(notify)
            except Exception:  # the payment stands; only the notice failed
                log.exception("could not tell the citizen that booking %s is paid", notify.number)
        return outcome

    def _refusal(self, s, event: base.CallbackEvent) -> str | None:
        """Why the event cannot be applied (one of NOT_APPLIED), or None when it is about a payment of ours as we
        know it. Locks the payment's row for the rest of the transaction."""
        touched = s.execute(
            update(Payment)
            .where(Payment.id == event.payment_id, Payment.provider == self.provider.name)
            .values(updated_at=self.now())
        ).rowcount
        payment = s.get(Payment, event.payment_id) if touched else None
        if payment is None:
            log.warning("callback %s names no payment of ours; not applied", event.event_id)
            return "unknown_payment"
        if payment.provider_ref not in (None, event.provider_ref) or payment.amount != event.amount:
            log.error("callback for payment %s does not match it (ref or amount); not applied", payment.id)
            return "mismatch"
        return None

    def _apply(self, s, event: base.CallbackEvent) -> tuple[str, BookingView | None]:
        payment = s.get(Payment, event.payment_id)
        booking = payment.booking
        if event.type == base.PAID:
            if payment.status not in (PENDING, PAYMENT_CANCELLED):
                return "already_" + payment.status, None
            payment.paid_at, payment.provider_ref = self.now(), event.provider_ref
            if payment.status == PAYMENT_CANCELLED or booking.status == CANCELLED:
                payment.status = REFUND_PENDING  # money for a booking that no longer stands goes back
                return "paid_after_cancel", None
            payment.status = PAID
            return "paid", BookingView.of(booking)
        if event.type == base.REFUNDED:
            if payment.status == REFUNDED:
                return "already_refunded", None
            # from any state: the provider cannot refund money it never took, so a refund before "paid" is final
            payment.status, payment.refunded_at = REFUNDED, self.now()
            payment.provider_ref = payment.provider_ref or event.provider_ref
            return "refunded", None
        return "ignored", None

    def refresh(self, number: str) -> None:
        """Ask the provider about open checkouts of a booking, for when a callback was lost on the way."""
        with self.Session() as s:
            open_ = s.execute(
                select(Payment.id, Payment.provider_ref, Payment.amount)
                .join(Booking)
                .where(Booking.number == number, Payment.status == PENDING, Payment.provider_ref.is_not(None))
            ).all()
        for payment_id, ref, amount in open_:
            if self.provider.status(ref) == base.SETTLED:
                self.apply(base.CallbackEvent(f"status:{ref}:paid", base.PAID, payment_id, ref, amount))

    # -- cancelling ------------------------------------------------------------------------------------
    def refund(self, payment_id: str) -> bool:
        """Give a paid payment's money back in full; True once it is refunded (now or before).

        The intent is recorded first (paid → refund_pending), so a refund the provider refuses, or one interrupted
        on the way, is retried by `retry_refunds`; raises base.PaymentError when the provider did not take it."""
        with self.Session() as s, s.begin():
            s.execute(
                update(Payment)
                .where(Payment.id == payment_id, Payment.status == PAID)
                .values(status=REFUND_PENDING, updated_at=self.now())
            )
            payment = s.get(Payment, payment_id)
            if payment is None or payment.status not in (REFUND_PENDING, REFUNDED):
                return False
            if payment.status == REFUNDED:
                return True
            ref, amount = payment.provider_ref, payment.amount
        refund_ref = self.provider.refund(ref, amount, idempotency_key=payment_id)
        with self.Session() as s, s.begin():
            s.execute(
                update(Payment)
                .where(Payment.id == payment_id, Payment.status == REFUND_PENDING)
                .values(status=REFUNDED, refund_ref=refund_ref, refunded_at=self.now(), updated_at=self.now())
            )
        return True

    def retry_refunds(self, limit: int | None = None) -> tuple[int, int]:
        """Ask the provider again for the refunds it has not taken yet (at most `limit`, the longest untried first).
        Returns (refunded now, still pending of those tried)."""
        with self.Session() as s:
            waiting = s.scalars(
                select(Payment.id)
                .where(Payment.status == REFUND_PENDING, Payment.provider == self.provider.name)
                .order_by(Payment.updated_at)
                .limit(limit)
            ).all()
        refunded = 0
        for payment_id in waiting:
            try:
                refunded += self.refund(payment_id)
            except base.PaymentError as exc:
                log.warning("refund of payment %s is still pending: %s", payment_id, exc)
                with self.Session() as s, s.begin():  # to the back of the line
                    s.execute(update(Payment).where(Payment.id == payment_id).values(updated_at=self.now()))
        return refunded, len(waiting) - refunded

    def settle_cancelled(self, number: str) -> str:
        """After a booking is cancelled: void its open checkouts, refund what was paid.

        Returns "refunded" when money went back, "voided" when an open payment was stopped, else "none"; raises
        base.PaymentError when the provider did not take a refund (it stays refund_pending and is retried).
        """
        with self.Session() as s:
            rows = s.execute(
                select(Payment.id, Payment.status, Payment.provider_ref).join(Booking).where(Booking.number == number)
            ).all()
        result = "none"
        for payment_id, status, ref in rows:
            if status == PENDING:
                if ref is None or self.provider.cancel_checkout(ref):
                    with self.Session() as s, s.begin():
                        s.execute(
                            update(Payment)
                            .where(Payment.id == payment_id, Payment.status == PENDING)
                            .values(status=PAYMENT_CANCELLED, updated_at=self.now())
                        )
                    result = "voided" if result == "none" else result
                    continue
                self.refresh(number)  # paid at the provider meanwhile: record it, then refund it below
                status = PAID
            if status in (PAID, REFUND_PENDING) and self.refund(payment_id):
                result = "refunded"
        return result
