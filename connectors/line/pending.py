"""Pushes that LINE has not taken yet, kept in the database and retried with the same X-Line-Retry-Key.

LINE remembers an accepted retry key for 24 hours and answers 409 to a request that repeats it, so a push retried
with its key is delivered at most once, even when an earlier attempt did get through (a timeout, a 5xx). After
`GIVE_UP_AFTER` LINE may have forgotten the key and a retry could deliver twice: the push is dropped with a log
line. Each retry claims its row first (one UPDATE on the attempt count), so the LINE worker of every web process
and `bot remind` runs can retry side by side. A row holds the chat id and the rendered messages (a reminder's
text names the address) only until the push is delivered or dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.db import insert_ignore, session_factory
from bot.store.models import Base

log = logging.getLogger(__name__)

# LINE accepts the same retry key for 24 hours from the first request; stop with a margin before that.
GIVE_UP_AFTER = timedelta(hours=24) - timedelta(minutes=10)
MAX_ATTEMPTS = 25  # retries from the queue, on top of the attempts made when the push was first sent
FIRST_BACKOFF = timedelta(seconds=30)  # before the first retry, doubled for each further one...
MAX_BACKOFF = timedelta(hours=1)  # ...up to this
BATCH = 50  # pushes claimed at a time


class PendingPush(Base):
    __tablename__ = "line_pending_pushes"

    retry_key: Mapped[str] = mapped_column(String(36), primary_key=True)  # the X-Line-Retry-Key, a UUID
    recipient: Mapped[str] = mapped_column(String(64))  # a LINE user, group or room id
    messages: Mapped[list[Any]] = mapped_column(JSON)  # message objects as LINE takes them
    first_tried_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Due:
    """A push claimed for one retry."""

    retry_key: str
    recipient: str
    messages: list[dict[str, Any]]
    attempt: int


def backoff(attempt: int) -> timedelta:
    """The wait before retry number `attempt` + 1."""
    return min(FIRST_BACKOFF * 2 ** max(attempt - 1, 0), MAX_BACKOFF)


class PendingPushes:
    """The queue of undelivered pushes; each public method is one transaction."""

    def __init__(self, database_url: str):
        self.Session = session_factory(database_url)

    def add(self, retry_key: str, recipient: str, messages: list[dict[str, Any]], first_tried_at: datetime) -> None:
        """Queue a push for a retry after `FIRST_BACKOFF`; a key already queued stays as it is."""
        values = {
            "retry_key": retry_key,
            "recipient": recipient,
            "messages": messages,
            "first_tried_at": first_tried_at,
            "attempts": 0,
            "next_try_at": first_tried_at + FIRST_BACKOFF,
        }
        with self.Session() as s, s.begin():
            insert_ignore(s, PendingPush, values)

    def drop_expired(self, now: datetime) -> int:
        """Give up the pushes past `GIVE_UP_AFTER` or `MAX_ATTEMPTS`, saying so in the log."""
        expired = or_(PendingPush.first_tried_at <= now - GIVE_UP_AFTER, PendingPush.attempts >= MAX_ATTEMPTS)
        with self.Session() as s, s.begin():
            rows = s.execute(select(PendingPush.retry_key, PendingPush.attempts).where(expired)).all()
            for key, attempts in rows:
                log.error(
                    "LINE push %s given up after %d retries: LINE did not take it within %s",
                    key,
                    attempts,
                    GIVE_UP_AFTER,
                )
            s.execute(delete(PendingPush).where(PendingPush.retry_key.in_([key for key, _ in rows])))
        return len(rows)

    def claim(self, now: datetime, limit: int = BATCH) -> list[Due]:
        """The pushes due for a retry, each moved to its next try first so no other worker retries it meanwhile."""
        with self.Session() as s:
            rows = s.execute(
                select(PendingPush).where(PendingPush.next_try_at <= now).order_by(PendingPush.next_try_at).limit(limit)
            ).scalars()
            candidates = [(r.retry_key, r.recipient, r.messages, r.attempts) for r in rows]
        claimed = []
        for key, recipient, messages, attempts in candidates:
            with self.Session() as s, s.begin():
                won = s.execute(
                    update(PendingPush)
                    .where(PendingPush.retry_key == key, PendingPush.attempts == attempts)
                    .values(attempts=attempts + 1, next_try_at=now + backoff(attempts + 1))
                ).rowcount
            if won:
                claimed.append(Due(key, recipient, messages, attempts + 1))
        return claimed

    def done(self, retry_key: str) -> None:
        """The push was delivered (or LINE refused it for good): forget it."""
        with self.Session() as s, s.begin():
            s.execute(delete(PendingPush).where(PendingPush.retry_key == retry_key))
