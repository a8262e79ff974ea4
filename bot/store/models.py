"""Typed ORM models of the engine: conversations and their turns.

Other features (garbage items, bookings) declare their models on the same `Base`
in their own modules; `bot.store.migrate` imports them all for Alembic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The largest value of an Integer column on PostgreSQL (int4): ids from clients are checked against it.
MAX_INTEGER = 2**31 - 1


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Conversation(Base):
    """The tracker's current state: one row per channel and sender, replaced atomically each turn.

    Each channel names its users in its own namespace (a LINE user id, a signed widget id, a free-form REST
    sender), so one channel can never address another channel's conversation."""

    __tablename__ = "conversations"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    session_id: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_active: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Turn(Base):
    """One user message and everything the bot did with it, for analysts."""

    __tablename__ = "turns"
    __table_args__ = (
        Index("ix_turns_sender_received", "sender_id", "received_at"),
        Index("ix_turns_intent", "intent"),
        Index("ix_turns_received", "received_at"),  # the console's dashboard and queue read date ranges
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(String(128))
    session_id: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="answered")  # answered | failed (state left unchanged)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    user_text: Mapped[str] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    intent: Mapped[str | None] = mapped_column(String(100), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    ranking: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # top intent's confidence minus the runner-up's (nlu_fallback aside): a small margin is a guess, even when
    # answered; stored so analysts can filter on it in SQL rather than unpack every ranking
    margin: Mapped[float | None] = mapped_column(Float, nullable=True)
    entities: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    actions: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    reply: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # True when the bot could not answer (fallback, out of scope, failed action): the analysts' queue.
    unanswered: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str | None] = mapped_column(String(16), nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxMessage(Base):
    """A message for a web user that the widget fetches (bot.outbox); `retry_key` makes adding idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_channel_sender_pending", "channel", "sender_id", "delivered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    custom: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    retry_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
