"""The dashboard's figures over a date range, each a table (the charts and CSV files are drawn from these tables).

Days are the city's (city.timezone). PostgreSQL keeps aware times and converts them in SQL; SQLite keeps the
wall-clock time each writer gave, and the engine writes the city's, so its text's first ten characters are the day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.orm import Session

from bot.nlu.fallback import FALLBACK_INTENT
from bot.nlu.pipeline import Pipeline
from bot.store.models import Turn
from services.booking.models import Booking
from services.payments.models import Payment

from . import queue

# Small talk and form replies are not inquiries: the answer rate counts what citizens asked about.
NOT_INQUIRIES = (
    "general_greet",
    "general_thanks",
    "general_goodbye",
    "general_affirm",
    "general_deny",
    "general_cancel",
    "general_back",
)
UNCLASSIFIED = "(未分類)"  # the domain of turns that fell back or failed before any intent was chosen
TOP = 10  # rows of the top-intents and top-unanswered tables
GROUPED_TEXTS = 300  # most asked unanswered texts grouped for the top groups
STICKER = "sticker"  # bookings paid with a sticker have no online payment


@dataclass(frozen=True)
class Table:
    """One table of the dashboard: its title, column headings and rows, as shown, charted and exported."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The range as aware times: from the start day's midnight to the midnight after the end day."""
    return datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone)


def _day_sql(session: Session, zone: ZoneInfo) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(zone.key, Turn.received_at), Date)
    return func.substr(Turn.received_at, 1, 10)


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def local_day(value: datetime, zone: ZoneInfo) -> date:
    """The city's day of a stored time (aware from PostgreSQL, the city's wall clock from SQLite)."""
    return value.astimezone(zone).date() if value.tzinfo else value.date()


def domain_of(intent: str | None) -> str:
    """An intent's domain is its prefix (taxes_resident_tax → taxes); fallback and failed turns have none."""
    if not intent or intent == FALLBACK_INTENT:
        return UNCLASSIFIED
    return intent.split("_", 1)[0]


def rate(answered: int, total: int) -> float | None:
    return round(answered / total, 4) if total else None


def traffic(session: Session, start: date, end: date, zone: ZoneInfo) -> Table:
    """Conversations (distinct senders) and questions (turns) per day and channel."""
    since, until = _bounds(start, end, zone)
    day = _day_sql(session, zone).label("day")
    # per sender first, then per day: two hash aggregates, where count(DISTINCT) would sort every turn
    per_sender = (
        select(day, Turn.channel, Turn.sender_id, func.count().label("n"))
        .where(Turn.received_at >= since, Turn.received_at < until)
        .group_by(day, Turn.channel, Turn.sender_id)
        .subquery()
    )
    rows = session.execute(
        select(per_sender.c.day, per_sender.c.channel, func.count(), func.sum(per_sender.c.n))
        .group_by(per_sender.c.day, per_sender.c.channel)
        .order_by(per_sender.c.day, per_sender.c.channel)
    ).all()
    return Table(
        "traffic",
        "日別・チャネル別の会話数と質問数",
        ("日付", "チャネル", "会話数", "質問数"),
        [(_as_day(d), channel, conversations, int(questions)) for d, channel, conversations, questions in rows],
    )


def by_intent(session: Session, start: date, end: date, zone: ZoneInfo) -> list[tuple[str | None, int, int]]:
    """(intent, inquiry turns, answered) in the range: turns with an intent or that failed, small talk aside."""
    since, until = _bounds(start, end, zone)
    answered = func.sum(case((Turn.unanswered.is_(False), 1), else_=0))
    rows = session.execute(
        select(Turn.intent, func.count(), answered)
        .where(
            Turn.received_at >= since,
            Turn.received_at < until,
            (Turn.intent.is_not(None) & Turn.intent.not_in(NOT_INQUIRIES)) | (Turn.status == "failed"),
        )
        .group_by(Turn.intent)
    ).all()
    return [(intent, n, int(a or 0)) for intent, n, a in rows]


def answer_rates(intents: list[tuple[str | None, int, int]]) -> Table:
    """The answer rate (answered ÷ inquiry turns), overall first, then per domain."""
    totals: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    for intent, n, a in intents:
        totals[domain_of(intent)] += n
        answered[domain_of(intent)] += a
    overall = ("全体", sum(totals.values()), sum(answered.values()), rate(sum(answered.values()), sum(totals.values())))
    return Table(
        "answer_rate",
        "回答率（回答できた質問 ÷ 全質問）",
        ("分野", "質問数", "回答数", "回答率"),
        [overall, *((d, totals[d], answered[d], rate(answered[d], totals[d])) for d in sorted(totals))],
    )


def top_intents(intents: list[tuple[str | None, int, int]]) -> Table:
    named = sorted(((i, n) for i, n, _ in intents if i and i != FALLBACK_INTENT), key=lambda r: (-r[1], r[0]))
    return Table("top_intents", "よく聞かれた質問（インテント）", ("インテント", "件数"), named[:TOP])


def feedback(session: Session, start: date, end: date, zone: ZoneInfo) -> Table:
    """役に立った / 役に立たなかった on the range's turns, and the share of the first."""
    since, until = _bounds(start, end, zone)
    counts: dict[str | None, int] = dict(
        session.execute(
            select(Turn.feedback, func.count())
            .where(Turn.received_at >= since, Turn.received_at < until, Turn.feedback.is_not(None))
            .group_by(Turn.feedback)
        )
        .tuples()
        .all()
    )
    helpful, not_helpful = counts.get("helpful", 0), counts.get(queue.NOT_HELPFUL, 0)
    return Table(
        "feedback",
        "利用者の評価",
        ("役に立った", "役に立たなかった", "役に立った割合"),
        [(helpful, not_helpful, rate(helpful, helpful + not_helpful))],
    )


def bookings(session: Session, start: date, end: date, zone: ZoneInfo) -> Table:
    """Bulky-waste bookings made per day by payment state: the latest online payment's status, sticker, or
    cancelled."""
    since, until = _bounds(start, end, zone)
    rows = session.execute(
        select(Booking.id, Booking.created_at, Booking.payment_method, Booking.status).where(
            Booking.created_at >= since, Booking.created_at < until
        )
    ).all()
    latest: dict[int, tuple[datetime, str]] = {}
    ids = [r.id for r in rows]
    for i in range(0, len(ids), queue.CHUNK):
        for booking_id, created, status in session.execute(
            select(Payment.booking_id, Payment.created_at, Payment.status).where(
                Payment.booking_id.in_(ids[i : i + queue.CHUNK])
            )
        ):
            if booking_id not in latest or created >= latest[booking_id][0]:
                latest[booking_id] = (created, status)
    counts: Counter[tuple[date, str]] = Counter()
    for r in rows:
        state = "cancelled" if r.status == "cancelled" else latest.get(r.id, (None, STICKER))[1]
        if r.payment_method == STICKER and r.status != "cancelled":
            state = STICKER
        counts[(local_day(r.created_at, zone), state)] += 1
    return Table(
        "bookings",
        "粗大ごみ受付（日別・支払い状況別）",
        ("日付", "支払い状況", "件数"),
        [(d, state, n) for (d, state), n in sorted(counts.items())],
    )


def top_unanswered(
    session: Session, start: date, end: date, zone: ZoneInfo, pipeline: Pipeline, now: Callable[[], datetime]
) -> Table:
    """The largest groups of unanswered questions asked in the range, resolved or not."""
    since, until = _bounds(start, end, zone)
    questions, _ = queue.open_questions(session, zone, since, until, GROUPED_TEXTS, open_only=False)
    groups = queue.group(questions, pipeline, now)[:TOP]
    return Table(
        "top_unanswered",
        "回答できなかった質問（似た質問のグループ）",
        ("代表的な質問", "件数", "最初", "最後", "例"),
        [(g.label, g.count, g.first.date(), g.last.date(), " / ".join(g.texts[1 : queue.EXAMPLES])) for g in groups],
    )


def dashboard(
    session: Session, start: date, end: date, zone: ZoneInfo, pipeline: Pipeline, now: Callable[[], datetime]
) -> list[Table]:
    """Every table of the dashboard, in the order the page shows them."""
    intents = by_intent(session, start, end, zone)
    return [
        traffic(session, start, end, zone),
        answer_rates(intents),
        top_intents(intents),
        top_unanswered(session, start, end, zone, pipeline, now),
        feedback(session, start, end, zone),
        bookings(session, start, end, zone),
    ]
