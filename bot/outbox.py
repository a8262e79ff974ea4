"""Messages waiting for web users: reminders and notices the widget fetches (POST /widget/outbox).

Like conversations, messages are addressed by channel and sender id: the widget fetches only its own channel's.

`add` is idempotent on its retry key; `fetch` hands each message out once, also when two requests of the same
user come at the same moment (one conditional UPDATE … RETURNING claims them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.store.db import insert_ignore, session_factory
from bot.store.models import OutboxMessage

FETCH_LIMIT = 20


def add(
    database_url: str,
    sender_id: str,
    text: str,
    retry_key: str,
    custom: dict | None = None,
    now: datetime | None = None,
    channel: str = "rest",
) -> bool:
    """Queue `text` for `sender_id` of `channel`; False when a message with this retry key was queued before."""
    with session_factory(database_url)() as s, s.begin():
        return bool(
            insert_ignore(
                s,
                OutboxMessage,
                {
                    "channel": channel,
                    "sender_id": sender_id,
                    "text": text,
                    "custom": custom,
                    "retry_key": retry_key,
                    "created_at": now or datetime.now(UTC),
                },
            )
        )


def fetch(
    database_url: str, sender_id: str, limit: int = FETCH_LIMIT, now: datetime | None = None, channel: str = "rest"
) -> list[dict]:
    """The sender's undelivered messages, oldest first, marked delivered in the same transaction."""
    pending = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.sender_id == sender_id,
            OutboxMessage.delivered_at.is_(None),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .scalar_subquery()
    )
    with session_factory(database_url)() as s, s.begin():
        rows = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(pending), OutboxMessage.delivered_at.is_(None))
            .values(delivered_at=now or datetime.now(UTC))
            .returning(OutboxMessage.id, OutboxMessage.text, OutboxMessage.custom, OutboxMessage.created_at)
        ).all()
    out = []
    for id_, text, custom, created in sorted(rows):
        message = {"id": id_, "text": text, "created_at": created.isoformat()}
        if custom:
            message["custom"] = custom
        out.append(message)
    return out


class OutboxNotifier:
    """The Notifier for web users of one channel: the message waits in the outbox until the widget fetches it."""

    def __init__(self, database_url: str, channel: str):
        self.database_url = database_url
        self.channel = channel

    @classmethod
    def from_settings(cls, settings, channel: str) -> OutboxNotifier:
        return cls(settings.database_url, channel)

    def send(self, recipient_id: str, text: str, retry_key: str) -> None:
        add(self.database_url, recipient_id, text, retry_key, channel=self.channel)
