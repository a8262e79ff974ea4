"""Retention: what the bot stored about a conversation is kept `privacy.retention_days` (city.yml), then purged.

Conversation states (pending form answers) are deleted, web users' queued notices too, and each turn keeps only
what analysts count: intent, confidence, ranking, actions, channel, unanswered, feedback and the dates; its text,
entities, reply and the sender id that tied it to one citizen are blanked. The purge runs in batches of one
transaction each, so it never holds long locks on a busy database, and running it again finds nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, null, or_, select, tuple_, update

from .db import get_engine, write_lock
from .models import Conversation, OutboxMessage, Turn

# A blanked turn: what could identify the citizen is gone, the aggregate fields stay.
ANONYMOUS: dict[str, Any] = {"sender_id": "", "user_text": "", "entities": null(), "reply": null()}
BATCH = 1000
CONVERSATIONS = cast(Table, Conversation.__table__)
TURNS = cast(Table, Turn.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)


@dataclass(frozen=True)
class Purged:
    conversations: int
    turns: int
    outbox: int


def _stale_conversations(cutoff: datetime) -> Any:
    return CONVERSATIONS.c.last_active < cutoff


def _stale_turns(cutoff: datetime) -> Any:
    return (TURNS.c.received_at < cutoff) & or_(TURNS.c.sender_id != "", TURNS.c.user_text != "")


def _stale_outbox(cutoff: datetime) -> Any:
    return OUTBOX.c.created_at < cutoff


def count(url: str, cutoff: datetime) -> Purged:
    """What `purge` would delete or blank (for --dry-run)."""
    with get_engine(url).connect() as conn:

        def rows(table: Table, where: Any) -> int:
            return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())

        return Purged(
            rows(CONVERSATIONS, _stale_conversations(cutoff)),
            rows(TURNS, _stale_turns(cutoff)),
            rows(OUTBOX, _stale_outbox(cutoff)),
        )


def purge(url: str, cutoff: datetime, batch: int = BATCH) -> Purged:
    """Delete the conversations last active before `cutoff` and the outbox messages queued before it, and blank the
    turns received before it; each batch of `batch` rows is one transaction. Returns how many rows it changed."""
    engine, lock = get_engine(url), write_lock(url)
    key = tuple_(*CONVERSATIONS.primary_key.columns)
    done = {"conversations": 0, "turns": 0, "outbox": 0}
    last_turn = 0  # turns go by id, so a batch never reads again what the ones before it blanked
    while True:
        with lock, engine.begin() as conn:
            # Each statement re-checks its condition: a conversation that came back to life since is kept.
            found = conn.execute(
                select(*CONVERSATIONS.primary_key.columns).where(_stale_conversations(cutoff)).limit(batch)
            ).all()
            if found:
                where = key.in_([tuple(row) for row in found]) & _stale_conversations(cutoff)
                done["conversations"] += conn.execute(delete(CONVERSATIONS).where(where)).rowcount
            stale = _stale_turns(cutoff) & (TURNS.c.id > last_turn)
            turn_ids = list(conn.execute(select(TURNS.c.id).where(stale).order_by(TURNS.c.id).limit(batch)).scalars())
            if turn_ids:
                last_turn = turn_ids[-1]
                where = TURNS.c.id.in_(turn_ids) & _stale_turns(cutoff)
                done["turns"] += conn.execute(update(TURNS).where(where).values(ANONYMOUS)).rowcount
            outbox_ids = list(conn.execute(select(OUTBOX.c.id).where(_stale_outbox(cutoff)).limit(batch)).scalars())
            if outbox_ids:
                where = OUTBOX.c.id.in_(outbox_ids) & _stale_outbox(cutoff)
                done["outbox"] += conn.execute(delete(OUTBOX).where(where)).rowcount
        if not (found or turn_ids or outbox_ids):
            return Purged(**done)
