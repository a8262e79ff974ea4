"""Seeding the stored turns, garbage misses and bookings that the console's queue and dashboard read, straight
into the real database (as the engine and the garbage and booking features store them)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.store.db import get_engine
from bot.store.models import Turn
from bot.store.tracker_store import ranking_margin
from services.booking.models import Booking
from services.garbage.models import GarbageMiss
from services.payments.models import Payment

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: str, hour: int = 10) -> datetime:
    """A time in the city's zone, as the engine stores it."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), TOKYO).replace(hour=hour)


def turn(
    text: str,
    when: datetime,
    intent: str | None,
    confidence: float | None = 0.9,
    unanswered: bool = False,
    channel: str = "rest",
    sender: str = "s1",
    feedback: str | None = None,
    ranking: list[dict[str, Any]] | None = None,
    status: str = "answered",
) -> dict[str, Any]:
    return {
        "sender_id": sender,
        "session_id": 1,
        "channel": channel,
        "status": status,
        "received_at": when,
        "answered_at": when,
        "user_text": text,
        "truncated": False,
        "intent": intent,
        "confidence": confidence,
        "ranking": ranking,
        "margin": ranking_margin(ranking),
        "entities": [],
        "actions": [],
        "reply": [],
        "unanswered": unanswered,
        "feedback": feedback,
        "feedback_at": when if feedback else None,
    }


def fallback(text: str, when: datetime, **kw: Any) -> dict[str, Any]:
    return turn(text, when, "nlu_fallback", 0.3, unanswered=True, **kw)


def add_turns(database_url: str, rows: list[dict[str, Any]]) -> None:
    with get_engine(database_url).begin() as conn:
        conn.execute(insert(Turn), rows)


def add_misses(database_url: str, queries: list[tuple[str, datetime]]) -> None:
    with get_engine(database_url).begin() as conn:
        # in UTC, as the garbage feature logs them
        rows = [{"query": q, "suggestions": [], "created_at": w.astimezone(UTC)} for q, w in queries]
        conn.execute(insert(GarbageMiss), rows)


def add_booking(
    database_url: str,
    number: str,
    created: datetime,
    method: str,
    status: str = "booked",
    payments: tuple[str, ...] = (),
) -> None:
    """A booking made at `created`, with online payments of these statuses (oldest first)."""
    with get_engine(database_url).begin() as conn:
        booking_id = conn.execute(
            insert(Booking).values(
                number=number,
                status=status,
                area="A",
                address="[PERSONAL]",
                name="[PERSONAL]",
                phone="0",
                pickup_date=created.date(),
                total_fee=500,
                payment_method=method,
                channel="rest",
                sender_id="s",
                created_at=created,
                updated_at=created,
            )
        ).inserted_primary_key[0]
        for i, state in enumerate(payments):
            conn.execute(
                insert(Payment).values(
                    id=f"{number}-{i}",
                    booking_id=booking_id,
                    provider="sandbox",
                    amount=500,
                    status=state,
                    created_at=created.replace(minute=i),
                    updated_at=created.replace(minute=i),
                )
            )
