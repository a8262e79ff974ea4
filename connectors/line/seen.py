"""Which LINE webhook events were already taken in, so a redelivered event is answered only once.

LINE redelivers an event with the same `webhookEventId` when it did not see our 2xx in time; one unique
insert per event decides, atomically across threads and processes, who handles it. Rows hold the event id
and the time only (no user ids, no text) and are pruned after `RETENTION`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.db import session_factory
from bot.store.models import Base

# LINE stops redelivering long before this; afterwards an id is only clutter.
RETENTION = timedelta(days=7)


class LineWebhookEvent(Base):
    __tablename__ = "line_webhook_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # webhookEventId, a ULID
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SeenEvents:
    """The dedup table; each public method is one transaction."""

    def __init__(self, database_url: str):
        self.Session = session_factory(database_url)

    def first_time(self, event_id: str, now: datetime) -> bool:
        """Record `event_id`; False when it was recorded before (a redelivery or a replay)."""
        try:
            with self.Session() as s, s.begin():
                s.add(LineWebhookEvent(event_id=event_id, received_at=now))
        except IntegrityError:
            return False
        return True

    def prune(self, now: datetime) -> int:
        with self.Session() as s, s.begin():
            return s.execute(delete(LineWebhookEvent).where(LineWebhookEvent.received_at < now - RETENTION)).rowcount
