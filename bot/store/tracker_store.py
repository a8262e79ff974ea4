"""Tracker store: each public method is one transaction.

A conversation is keyed by its channel and the sender's id in that channel: no channel can address another's.

A turn and the conversation's new state are written in one transaction before the reply leaves,
so nothing acknowledged is ever lost and a crash mid-turn leaves the previous state intact.
The per-message statements address the tables directly (SQLAlchemy Core), which costs a third
of the ORM unit-of-work path on every turn.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..nlu.fallback import FALLBACK_INTENT
from ..privacy import PATTERNS_ONLY, Masker
from .db import get_engine, session_factory, write_lock
from .models import Conversation, Turn
from .retention import ANONYMOUS

FEEDBACK_VALUES = {"helpful", "not_helpful"}
# A declarative model's __table__ is a Table; SQLAlchemy types it as the wider FromClause.
CONVERSATIONS = cast(Table, Conversation.__table__)
TURNS = cast(Table, Turn.__table__)
C = CONVERSATIONS.c
# Built once: every turn only binds new values, so SQLAlchemy compiles nothing on the hot path.
KEY = (C.channel == bindparam("in_channel"), C.sender_id == bindparam("sender"))
LOAD_STATE = select(C.state, C.last_active, C.version).where(*KEY)
INSERT_CONVERSATION = insert(CONVERSATIONS)
UPDATE_CONVERSATION = (
    update(CONVERSATIONS)
    .where(*KEY, C.version == bindparam("seen_version"))
    .values(
        state=bindparam("state"),
        session_id=bindparam("session_id"),
        last_active=bindparam("now"),
        version=bindparam("new_version"),
    )
)
INSERT_TURN = insert(TURNS)


def ranking_margin(ranking: list[dict[str, Any]] | None) -> float | None:
    """The classifier's top confidence minus its runner-up's, ignoring the nlu_fallback that the FallbackClassifier
    puts on top; None without a ranking, the top confidence itself when only one intent is ranked."""
    scores = [r["confidence"] for r in ranking or () if r.get("name") != FALLBACK_INTENT]
    if not scores:
        return None
    return round(scores[0] - (scores[1] if len(scores) > 1 else 0.0), 6)


def _new_id(result: CursorResult[Any]) -> int:
    """The key of the one row an INSERT added (only an executemany leaves it unset)."""
    key = result.inserted_primary_key
    assert key is not None
    return key[0]


class ConcurrentUpdate(Exception):
    """Another worker saved the same conversation first; the turn is retried."""


class TrackerStore:
    def __init__(self, url: str):
        self.url = url
        self.engine = get_engine(url)
        self.Session = session_factory(url)
        self.write_lock = write_lock(url)

    def load(self, sender_id: str, channel: str = "rest") -> tuple[dict | None, datetime | None, int]:
        with self.engine.connect() as conn:
            row = conn.execute(LOAD_STATE, {"in_channel": channel, "sender": sender_id}).first()
        return (row.state, row.last_active, row.version) if row else (None, None, 0)

    def save_turn(
        self,
        sender_id: str,
        channel: str,
        text: str,
        truncated: bool,
        state: dict,
        version: int,
        now: datetime,
        parse: dict,
        actions: list[str],
        reply: list[dict],
        unanswered: bool,
        masker: Masker = PATTERNS_ONLY,
    ) -> int:
        """Store the turn and replace the conversation state, if nobody else saved it since `version`; personal data
        in the text, entities, reply and state is masked (`masker`: bot.privacy)."""
        text, entities, reply, state = masker.turn(text, parse.get("entities"), reply, state)
        intent = parse.get("intent") or {}
        turn = {
            "sender_id": sender_id,
            "channel": channel,
            "status": "answered",
            "received_at": now,
            "answered_at": now,
            "user_text": text,
            "truncated": truncated,
            "session_id": state["session_id"],
            "intent": intent.get("name"),
            "confidence": intent.get("confidence"),
            "ranking": parse.get("intent_ranking"),
            "margin": ranking_margin(parse.get("intent_ranking")),
            "entities": entities,
            "actions": actions,
            "reply": reply,
            "unanswered": unanswered,
            "feedback": None,
            "feedback_at": None,
        }
        try:
            with self.write_lock, self.engine.begin() as conn:
                if version == 0:
                    conn.execute(
                        INSERT_CONVERSATION,
                        {
                            "sender_id": sender_id,
                            "channel": channel,
                            "state": state,
                            "session_id": state["session_id"],
                            "version": 1,
                            "created_at": now,
                            "last_active": now,
                        },
                    )
                elif (
                    conn.execute(
                        UPDATE_CONVERSATION,
                        {
                            "in_channel": channel,
                            "sender": sender_id,
                            "seen_version": version,
                            "state": state,
                            "session_id": state["session_id"],
                            "now": now,
                            "new_version": version + 1,
                        },
                    ).rowcount
                    != 1
                ):
                    raise ConcurrentUpdate(sender_id)
                return _new_id(conn.execute(INSERT_TURN, turn))
        except IntegrityError as exc:  # another worker created the conversation first
            raise ConcurrentUpdate(sender_id) from exc

    def save_failed_turn(
        self,
        sender_id: str,
        channel: str,
        text: str,
        truncated: bool,
        now: datetime,
        reply: list[dict],
        masker: Masker = PATTERNS_ONLY,
    ) -> int:
        with self.write_lock, self.engine.begin() as conn:
            return _new_id(
                conn.execute(
                    INSERT_TURN,
                    {
                        "sender_id": sender_id,
                        "channel": channel,
                        "status": "failed",
                        "received_at": now,
                        "answered_at": now,
                        "user_text": masker.text(text),
                        "truncated": truncated,
                        "session_id": 0,
                        "intent": None,
                        "confidence": None,
                        "ranking": None,
                        "margin": None,
                        "entities": None,
                        "actions": None,
                        "reply": reply,
                        "unanswered": True,
                        "feedback": None,
                        "feedback_at": None,
                    },
                )
            )

    def record_feedback(self, sender_id: str, turn_id: int, value: str, now: datetime, channel: str = "rest") -> bool:
        if value not in FEEDBACK_VALUES:
            raise ValueError(f"feedback must be one of {sorted(FEEDBACK_VALUES)}")
        with self.Session() as s, s.begin():
            result = s.execute(
                update(Turn)
                .where(Turn.id == turn_id, Turn.channel == channel, Turn.sender_id == sender_id)
                .values(feedback=value, feedback_at=now)
            )
            return result.rowcount == 1

    def forget(self, sender_id: str, channel: str = "rest") -> bool:
        """Drop a conversation's state (pending form answers); the analysts' turns stay."""
        with self.Session() as s, s.begin():
            row = s.get(Conversation, (channel, sender_id))
            if row is None:
                return False
            s.delete(row)
            return True

    def forget_personal_data(self, sender_id: str, channel: str) -> int:
        """Drop the conversation's state and blank the text, entities and replies of its turns, and the sender id
        that tied them together (the citizen left: LINE unfollow). Intents, dates and feedback stay for analysts;
        returns the number of turns blanked."""
        with self.write_lock, self.engine.begin() as conn:
            conn.execute(CONVERSATIONS.delete().where(C.channel == channel, C.sender_id == sender_id))
            where = (TURNS.c.channel == channel, TURNS.c.sender_id == sender_id)
            return conn.execute(update(TURNS).where(*where).values(ANONYMOUS)).rowcount

    def turns(self, sender_id: str, channel: str | None = None) -> list[dict[str, Any]]:
        """The sender's turns, oldest first: in `channel`, or for analysts in every channel."""
        query = select(Turn).where(Turn.sender_id == sender_id)
        if channel is not None:
            query = query.where(Turn.channel == channel)
        with self.Session() as s:
            return [_turn_dict(t) for t in s.scalars(query.order_by(Turn.id)).all()]

    def ping(self) -> None:
        """One round trip to the database; raises when it does not answer (readiness checks)."""
        with self.engine.connect() as conn:
            conn.execute(select(1))

    def unanswered(self, limit: int = 100) -> list[dict[str, Any]]:
        """What the bot could not answer, newest first: the analysts' work queue."""
        with self.Session() as s:
            rows = s.scalars(select(Turn).where(Turn.unanswered.is_(True)).order_by(Turn.id.desc()).limit(limit)).all()
            return [_turn_dict(t) for t in rows]


def _turn_dict(t: Turn) -> dict[str, Any]:
    return {c.name: getattr(t, c.name) for c in Turn.__table__.columns}
