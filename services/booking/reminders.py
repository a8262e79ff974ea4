"""`bot remind`: the day-before reminder of every booking, sent once, even with several runs at the same time.

A run claims due bookings with its own token (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so parallel runs
take disjoint rows; SQLite: one UPDATE … WHERE id IN (…), the single writer), sends, then records the sending.
A claim of a run that died is taken over after `claim_timeout_minutes`; the resend carries the same retry key,
so LINE (X-Line-Retry-Key) and the outbox deliver it only once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from bot.formats import load_formats
from bot.messages import render
from bot.notify import notifier_for, retry_pending
from bot.store.db import session_factory

from .config import BookingConfig, load_config
from .fees import describe
from .models import BOOKED, Booking
from .service import BookingView

log = logging.getLogger(__name__)
BATCH = 100


@dataclass
class RunResult:
    sent: int = 0
    failed: int = 0


def retry_key(booking: BookingView) -> str:
    return f"reminder:{booking.number}:{booking.pickup_date.isoformat()}"


def _due(now: datetime, days_before: int, stale_before: datetime):
    today = now.date()
    return (
        Booking.status == BOOKED,
        Booking.pickup_date > today,
        Booking.pickup_date <= today + timedelta(days=days_before),
        Booking.reminder_sent_at.is_(None),
        or_(Booking.reminder_claim.is_(None), Booking.reminder_claimed_at < stale_before),
    )


def claim(
    database_url: str, now: datetime, days_before: int, claim_timeout: timedelta, limit: int = BATCH
) -> tuple[str, list[BookingView]]:
    """Claim up to `limit` due bookings for this run; returns the run's token and the bookings."""
    token = uuid.uuid4().hex
    Session = session_factory(database_url)
    with Session() as s, s.begin():
        due = _due(now, days_before, now - claim_timeout)
        if s.get_bind().dialect.name == "postgresql":
            ids = s.scalars(
                select(Booking.id).where(*due).order_by(Booking.id).limit(limit).with_for_update(skip_locked=True)
            ).all()
            target = Booking.id.in_(ids)
        else:
            target = Booking.id.in_(select(Booking.id).where(*due).order_by(Booking.id).limit(limit).scalar_subquery())
        s.execute(update(Booking).where(target, *due).values(reminder_claim=token, reminder_claimed_at=now))
        rows = s.scalars(select(Booking).where(Booking.reminder_claim == token).order_by(Booking.id)).all()
        return token, [BookingView.of(b) for b in rows]


def _finish(database_url: str, number: str, token: str, sent_at: datetime | None) -> None:
    """Record the sending, or give the claim back (sent_at None) so the next run retries."""
    values = {"reminder_sent_at": sent_at} if sent_at else {"reminder_claim": None, "reminder_claimed_at": None}
    with session_factory(database_url)() as s, s.begin():
        s.execute(update(Booking).where(Booking.number == number, Booking.reminder_claim == token).values(**values))


def reminder_text(settings, booking: BookingView, config: BookingConfig) -> str:
    formats = load_formats(settings.data_dir)
    return render(
        settings,
        "utter_bulky_reminder",
        booking.channel,
        number=booking.number,
        date=formats.date(booking.pickup_date, "long_date"),
        items=describe(list(booking.lines), config.total_label, formats),
        address=booking.address,
        put_out_by=config.put_out_by,
    )


def run(settings, now: datetime) -> RunResult:
    """Send every due reminder; safe to run again and on several hosts at once."""
    config = load_config(settings.data_dir)
    result = RunResult()
    retry_pending(settings)  # first what earlier runs or the web process queued (LINE pushes LINE did not take)
    while True:
        token, bookings = claim(
            settings.database_url, now, config.reminder_days_before, timedelta(minutes=config.claim_timeout_minutes)
        )
        if not bookings:
            return result
        for booking in bookings:
            try:
                notifier = notifier_for(booking.channel, settings)
                notifier.send(booking.sender_id, reminder_text(settings, booking, config), retry_key(booking))
            except Exception:
                log.exception("reminder for booking %s not sent; the next run retries it", booking.number)
                _finish(settings.database_url, booking.number, token, None)
                result.failed += 1
                continue
            _finish(settings.database_url, booking.number, token, now)
            result.sent += 1
        if result.failed:  # do not spin on a notifier that keeps failing; the next run retries
            return result
