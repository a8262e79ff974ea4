"""The audit log: who changed what and when, with the values before and after.

Call `record` inside the transaction that makes the change, so the change and its audit row commit together:

    with session_factory(url)() as s, s.begin():
        before = entry.as_dict(); entry.answer = new; ...
        audit.record(s, current_user(), "faq.edit", entry_id, before, entry.as_dict())
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.db import session_factory

from .models import AuditEntry

PAGE_SIZE = 100


class Named(Protocol):
    @property
    def name(self) -> str: ...


def _jsonable(value: Any) -> Any:
    """`value` as plain JSON (dates and other objects as their text), so any before/after value can be stored."""
    return None if value is None else json.loads(json.dumps(value, ensure_ascii=False, default=str))


def record(session: Session, actor: str | Named, action: str, target: str, before: Any, after: Any) -> None:
    """Add one audit row to `session`'s transaction. `actor`: the user (or their name); `action`: a dotted name such
    as `faq.publish`; `target`: what was changed (an id); `before`/`after`: JSON-able values, None for none."""
    session.add(
        AuditEntry(
            at=datetime.now(UTC),
            actor=actor if isinstance(actor, str) else actor.name,
            action=action,
            target=str(target)[:200],
            before=_jsonable(before),
            after=_jsonable(after),
        )
    )


def record_now(database_url: str, actor: str | Named, action: str, target: str, before: Any, after: Any) -> None:
    """`record` in a transaction of its own, for changes made by a store that commits by itself."""
    with session_factory(database_url)() as s, s.begin():
        record(s, actor, action, target, before, after)


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    target: str
    before: Any
    after: Any


def entries(database_url: str, page: int = 0, actor: str | None = None) -> list[Entry]:
    """The newest entries first, PAGE_SIZE to a page; only `actor`'s when given."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE_SIZE).offset(page * PAGE_SIZE)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    with session_factory(database_url)() as s:
        return [Entry(r.at, r.actor, r.action, r.target, r.before, r.after) for r in s.scalars(query)]
