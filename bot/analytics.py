"""What analysts read: the answer rate (回答率) overall, by channel and by domain, the citizens' feedback,
and the questions the bot could not answer, most frequent first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from .store.db import session_factory
from .store.models import Turn

DOMAINS = ("certificates", "childcare", "garbage", "insurance", "taxes", "general")


def _rate(total: int, missed: int) -> float | None:
    return round((total - missed) / total, 4) if total else None


def report(database_url: str, since: datetime | None = None, top: int = 20) -> dict[str, Any]:
    missed = func.sum(case((Turn.unanswered.is_(True), 1), else_=0))
    window = [Turn.received_at >= since] if since else []
    with session_factory(database_url)() as s:
        by_channel = s.execute(select(Turn.channel, func.count(), missed).where(*window).group_by(Turn.channel)).all()
        by_intent = s.execute(select(Turn.intent, func.count(), missed).where(*window).group_by(Turn.intent)).all()
        feedback = s.execute(
            select(Turn.feedback, func.count()).where(Turn.feedback.is_not(None), *window).group_by(Turn.feedback)
        ).all()
        unanswered = s.execute(
            select(Turn.user_text, func.count().label("n"))
            .where(Turn.unanswered.is_(True), *window)
            .group_by(Turn.user_text)
            .order_by(func.count().desc(), Turn.user_text)
            .limit(top)
        ).all()
    domains: dict[str, list[int]] = {}
    for intent, n, m in by_intent:
        domain = next((d for d in DOMAINS if (intent or "").startswith(d + "_")), "fallback")
        domains.setdefault(domain, [0, 0])
        domains[domain][0] += n
        domains[domain][1] += m or 0
    total = sum(n for _, n, _ in by_channel)
    total_missed = sum(m or 0 for _, _, m in by_channel)
    return {
        "since": since.isoformat() if since else None,
        "turns": total,
        "unanswered": total_missed,
        "answer_rate": _rate(total, total_missed),
        "by_channel": {c: {"turns": n, "answer_rate": _rate(n, m or 0)} for c, n, m in by_channel},
        "by_domain": {d: {"turns": n, "answer_rate": _rate(n, m)} for d, (n, m) in sorted(domains.items())},
        "feedback": dict(feedback),
        "top_unanswered": [{"text": text, "count": n} for text, n in unanswered],
    }


def format_report(r: dict[str, Any], answer_rate: str) -> str:
    """The report as text; `answer_rate` names the answer rate in the analysts' words (domain.yml)."""
    pct = lambda v: "-" if v is None else f"{v:.1%}"  # noqa: E731
    lines = [
        f"{answer_rate}: {pct(r['answer_rate'])} of {r['turns']} turns"
        + (f" since {r['since']}" if r["since"] else ""),
        "by channel: " + ", ".join(f"{c} {pct(v['answer_rate'])} (n={v['turns']})" for c, v in r["by_channel"].items()),
        "by domain:  " + ", ".join(f"{d} {pct(v['answer_rate'])} (n={v['turns']})" for d, v in r["by_domain"].items()),
        "feedback:   " + (", ".join(f"{k} {v}" for k, v in r["feedback"].items()) or "none yet"),
        "most frequent unanswered questions:",
    ]
    lines += [f"  {u['count']:4d}  {u['text']}" for u in r["top_unanswered"]] or ["  none"]
    return "\n".join(lines)
