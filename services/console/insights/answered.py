"""Answered turns the classifier barely chose: low confidence, or a small margin over the runner-up intent.

The fallback never flags a confident wrong answer; these lists are where analysts find one and teach the bot the
intent it should have had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.nlu.fallback import FALLBACK_INTENT
from bot.store.models import Turn

from .queue import OUT_OF_SCOPE_INTENT, window

MAX_CONFIDENCE = 0.5  # default filter: answered with at most this confidence...
MAX_MARGIN = 0.1  # ...or at most this much ahead of the runner-up
LIMIT = 200  # rows shown, the least certain first


@dataclass(frozen=True)
class Answer:
    id: int
    received_at: datetime
    channel: str
    text: str
    intent: str
    confidence: float | None
    margin: float | None


def doubtful(
    session: Session,
    max_confidence: float = MAX_CONFIDENCE,
    max_margin: float = MAX_MARGIN,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = LIMIT,
) -> list[Answer]:
    """Answered turns at or under either threshold, the smallest margin first (then the lowest confidence)."""
    rows = session.execute(
        select(Turn.id, Turn.received_at, Turn.channel, Turn.user_text, Turn.intent, Turn.confidence, Turn.margin)
        .where(
            Turn.unanswered.is_(False),
            Turn.user_text != "",
            Turn.intent.is_not(None),
            Turn.intent.not_in((FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)),
            or_(Turn.confidence <= max_confidence, Turn.margin <= max_margin),
            *window(Turn.received_at, since, until),
        )
        .order_by(Turn.margin.asc().nulls_last(), Turn.confidence.asc(), Turn.id.desc())
        .limit(limit)
    ).all()
    return [Answer(*row) for row in rows]
