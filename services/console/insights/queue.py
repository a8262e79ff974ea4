"""The unanswered queue: what the bot could not answer, grouped, and what analysts did about it.

A queued question is a turn that fell back, was declined as out of scope, failed or was rated 役に立たなかった, or a
garbage-lookup miss, that has no resolution yet (models.QueueResolution). Identical texts are counted together
first; the most asked distinct texts are then grouped on the NLU's features (vectors, clusters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.nlu.fallback import FALLBACK_INTENT
from bot.nlu.pipeline import Pipeline
from bot.store.models import Turn
from services.console import audit
from services.garbage.models import GarbageMiss

from .clusters import DEFAULT_DISTANCE, cluster
from .models import GARBAGE_MISS, RESOLUTIONS, TURN, QueueResolution
from .vectors import featurize

OUT_OF_SCOPE_INTENT = "general_out_of_scope"
NOT_HELPFUL = "not_helpful"
# Why a question is queued, in the order the page lists them
FALLBACK, OUT_OF_SCOPE, RATED_NOT_HELPFUL, FAILED, NOT_ANSWERED, MISSED_ITEM = (
    "fallback",
    "out_of_scope",
    "not_helpful",
    "failed",
    "not_answered",  # any other turn the engine marked unanswered (an action that failed, a message without words)
    "garbage_miss",
)
MAX_QUESTIONS = 1000  # distinct texts grouped at once, the most asked first (linkage is quadratic in them)
EXAMPLES = 5  # texts shown per group
CHUNK = 500  # ids or texts per IN (...) list


def queued_turn() -> ColumnElement[bool]:
    """The turns the queue takes: not answered, declined, or rated unhelpful; purged ones (blank text) aside."""
    return and_(
        Turn.user_text != "",
        or_(
            Turn.unanswered.is_(True),
            Turn.intent.in_((FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)),
            Turn.feedback == NOT_HELPFUL,
        ),
    )


def _unresolved(source: str, key: Any) -> ColumnElement[bool]:
    return (
        ~select(QueueResolution.source_id)
        .where(QueueResolution.source == source, QueueResolution.source_id == key)
        .exists()
    )


def _open(source: str, key: Any, open_only: bool) -> list[ColumnElement[bool]]:
    return [_unresolved(source, key)] if open_only else []


def window(column: Any, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """`column` within [since, until), each bound optional."""
    return [c for c in ((column >= since) if since else None, (column < until) if until else None) if c is not None]


@dataclass
class Question:
    """One distinct text in the queue: how often it was asked, first and last, and why it is queued."""

    text: str
    count: int
    first: datetime
    last: datetime
    reasons: dict[str, int] = field(default_factory=dict)

    def merge(self, other: Question) -> None:
        self.count += other.count
        self.first, self.last = min(self.first, other.first), max(self.last, other.last)
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n


@dataclass
class Group:
    """Similar questions: the most asked one names the group."""

    questions: list[Question]

    @property
    def label(self) -> str:
        return self.questions[0].text

    @property
    def count(self) -> int:
        return sum(q.count for q in self.questions)

    @property
    def first(self) -> datetime:
        return min(q.first for q in self.questions)

    @property
    def last(self) -> datetime:
        return max(q.last for q in self.questions)

    @property
    def texts(self) -> list[str]:
        return [q.text for q in self.questions]

    @property
    def examples(self) -> list[Question]:
        return self.questions[:EXAMPLES]

    @property
    def reasons(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for q in self.questions:
            for reason, n in q.reasons.items():
                total[reason] = total.get(reason, 0) + n
        return total


def _local(value: datetime, zone: ZoneInfo, stored_in: tzinfo) -> datetime:
    """The city's wall-clock time, comparable across sources: PostgreSQL gives back aware times, SQLite the naive
    wall-clock time its writer gave (the engine the city's, the garbage feature's misses UTC: `stored_in`)."""
    aware = value if value.tzinfo else value.replace(tzinfo=stored_in)
    return aware.astimezone(zone).replace(tzinfo=None)


def open_questions(
    session: Session,
    zone: ZoneInfo,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = MAX_QUESTIONS,
    open_only: bool = True,
) -> tuple[list[Question], int]:
    """The most asked distinct open texts (at most `limit`), and how many distinct open texts there are in all;
    with `open_only=False`, resolved ones too (the dashboard's view of a past range)."""
    flag = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
    turns = session.execute(
        select(
            Turn.user_text,
            func.count(),
            func.min(Turn.received_at),
            func.max(Turn.received_at),
            flag(Turn.intent == FALLBACK_INTENT),
            flag(Turn.intent == OUT_OF_SCOPE_INTENT),
            flag(Turn.feedback == NOT_HELPFUL),
            flag(Turn.status == "failed"),
            flag(
                Turn.unanswered.is_(True)
                & (Turn.status != "failed")
                & Turn.intent.is_distinct_from(FALLBACK_INTENT)
                & Turn.intent.is_distinct_from(OUT_OF_SCOPE_INTENT)
            ),
        )
        .where(queued_turn(), *_open(TURN, Turn.id, open_only), *window(Turn.received_at, since, until))
        .group_by(Turn.user_text)
    ).all()
    misses = session.execute(
        select(GarbageMiss.query, func.count(), func.min(GarbageMiss.created_at), func.max(GarbageMiss.created_at))
        .where(*_open(GARBAGE_MISS, GarbageMiss.id, open_only), *window(GarbageMiss.created_at, since, until))
        .group_by(GarbageMiss.query)
    ).all()
    found: dict[str, Question] = {}
    for text, n, first, last, *counts in turns:
        reasons = dict(zip((FALLBACK, OUT_OF_SCOPE, RATED_NOT_HELPFUL, FAILED, NOT_ANSWERED), counts, strict=True))
        _add(
            found,
            Question(
                text.strip(),
                n,
                _local(first, zone, zone),
                _local(last, zone, zone),
                {k: v for k, v in reasons.items() if v},
            ),
        )
    for text, n, first, last in misses:
        _add(found, Question(text.strip(), n, _local(first, zone, UTC), _local(last, zone, UTC), {MISSED_ITEM: n}))
    ranked = sorted(sorted(found.values(), key=lambda q: q.last, reverse=True), key=lambda q: -q.count)
    return ranked[:limit], len(ranked)


def _add(found: dict[str, Question], question: Question) -> None:
    if question.text in found:
        found[question.text].merge(question)
    else:
        found[question.text] = question


def group(
    questions: Sequence[Question],
    pipeline: Pipeline,
    now: Callable[[], datetime],
    max_distance: float = DEFAULT_DISTANCE,
) -> list[Group]:
    """Similar questions together, the largest group first; within a group, the most asked question first."""
    if not questions:
        return []
    labels = cluster(featurize(pipeline, [q.text for q in questions], now), max_distance)
    groups: dict[int, list[Question]] = {}
    for question, label in zip(questions, labels, strict=True):
        groups.setdefault(int(label), []).append(question)
    found = [Group(sorted(qs, key=lambda q: -q.count)) for qs in groups.values()]
    return sorted(found, key=lambda g: (-g.count, g.label))


@dataclass(frozen=True)
class Progress:
    total: int
    open: int

    @property
    def resolved(self) -> int:
        return self.total - self.open

    @property
    def share(self) -> float:
        """Resolved ÷ all (1.0 for an empty queue)."""
        return self.resolved / self.total if self.total else 1.0


def progress(session: Session) -> Progress:
    """Every question the queue ever took, and those still open (one pass over each source, joined with the
    resolutions)."""
    total, open_ = 0, 0
    for source, key, where in ((TURN, Turn.id, queued_turn()), (GARBAGE_MISS, GarbageMiss.id, None)):
        joined = key.table.outerjoin(
            QueueResolution, (QueueResolution.source == source) & (QueueResolution.source_id == key)
        )
        query = select(func.count(), func.count(QueueResolution.source_id)).select_from(joined)
        n, resolved = session.execute(query.where(where) if where is not None else query).one()
        total, open_ = total + n, open_ + n - resolved
    return Progress(total, open_)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    return (values[i : i + CHUNK] for i in range(0, len(values), CHUNK))


def open_ids(session: Session, texts: Sequence[str]) -> dict[str, list[int]]:
    """The open turns and misses with exactly these texts (surrounding white space aside), by source."""
    ids: dict[str, list[int]] = {TURN: [], GARBAGE_MISS: []}
    for part in _chunks(list({t for text in texts for t in (text, text.strip())})):
        ids[TURN] += session.scalars(
            select(Turn.id).where(queued_turn(), _unresolved(TURN, Turn.id), func.trim(Turn.user_text).in_(part))
        ).all()
        ids[GARBAGE_MISS] += session.scalars(
            select(GarbageMiss.id).where(
                _unresolved(GARBAGE_MISS, GarbageMiss.id), func.trim(GarbageMiss.query).in_(part)
            )
        ).all()
    return ids


def resolve(
    session: Session,
    actor: str | audit.Named,
    texts: Sequence[str],
    resolution: str,
    detail: dict[str, Any],
    now: datetime,
) -> int:
    """Take every open turn and miss with these texts out of the queue, with an audit record; returns how many.
    Call it inside the transaction of the change it records (`with session.begin():`)."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}")
    ids = open_ids(session, texts)
    name = actor if isinstance(actor, str) else actor.name
    for source, keys in ids.items():
        session.add_all(
            QueueResolution(
                source=source, source_id=k, resolution=resolution, detail=detail, actor=name, resolved_at=now
            )
            for k in keys
        )
    resolved = sum(len(keys) for keys in ids.values())
    audit.record(
        session,
        actor,
        f"queue.{resolution}",
        texts[0] if len(texts) == 1 else f"{texts[0]} (+{len(texts) - 1})",
        {"texts": list(texts), "open": resolved},
        {"resolution": resolution, **detail, "resolved": resolved},
    )
    return resolved
