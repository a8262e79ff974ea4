"""The versions of FAQ entries and intents' examples: saved drafts, what is published, history and rollback.

Each public method is one transaction; a save and its audit record commit together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from bot.store.db import session_factory
from services.console import audit

from .content import Content
from .models import ENTRY, EXAMPLES, FaqVersion

IMPORT, SAVE, RETIRE, ROLLBACK = "import", "save", "retire", "rollback"


@dataclass(frozen=True)
class Version:
    id: int
    kind: str
    key: str
    number: int
    content: Any
    retired: bool
    action: str
    actor: str
    created_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, row: FaqVersion) -> Version:
        return cls(
            row.id,
            row.kind,
            row.key,
            row.number,
            row.content,
            row.retired,
            row.action,
            row.actor,
            row.created_at,
            row.published_at,
        )


class NoSuchVersion(LookupError):
    pass


class Versions:
    def __init__(self, database_url: str):
        self.Session = session_factory(database_url)

    def latest(self, kind: str) -> dict[str, Version]:
        """The newest version of every key of `kind`."""
        with self.Session() as s:
            return self._latest(s, kind)

    @staticmethod
    def _latest(s: Session, kind: str, published: bool = False) -> dict[str, Version]:
        """The newest version (the newest published one, with `published`) of each key: one row per key read."""
        newest = select(FaqVersion.key, func.max(FaqVersion.number).label("number")).where(FaqVersion.kind == kind)
        if published:
            newest = newest.where(FaqVersion.published_at.is_not(None))
        last = newest.group_by(FaqVersion.key).subquery()
        query = select(FaqVersion).join(
            last, and_(FaqVersion.kind == kind, FaqVersion.key == last.c.key, FaqVersion.number == last.c.number)
        )
        return {row.key: Version.of(row) for row in s.scalars(query)}

    def history(self, kind: str, key: str) -> list[Version]:
        """Every version of `key`, the newest first."""
        with self.Session() as s:
            rows = s.scalars(
                select(FaqVersion)
                .where(FaqVersion.kind == kind, FaqVersion.key == key)
                .order_by(FaqVersion.number.desc())
            )
            return [Version.of(r) for r in rows]

    def pending(self) -> list[Version]:
        """The newest versions not yet in the files."""
        with self.Session() as s:
            return [v for kind in (ENTRY, EXAMPLES) for v in self._latest(s, kind).values() if v.published_at is None]

    def save(
        self, kind: str, key: str, content: Any, actor: str, action: str = SAVE, retired: bool = False
    ) -> Version | None:
        """A new version of `key`, audited; None when it equals the newest one (nothing to save)."""
        with self.Session() as s, s.begin():
            return self._add(s, kind, key, content, actor, action, retired)

    @staticmethod
    def _add(
        s: Session,
        kind: str,
        key: str,
        content: Any,
        actor: str,
        action: str,
        retired: bool,
        published_at: datetime | None = None,
    ) -> Version | None:
        last = s.scalars(
            select(FaqVersion)
            .where(FaqVersion.kind == kind, FaqVersion.key == key)
            .order_by(FaqVersion.number.desc())
            .limit(1)
        ).first()
        if last is not None and last.content == content and last.retired == retired:
            return None
        row = FaqVersion(
            kind=kind,
            key=key,
            number=(last.number if last else 0) + 1,
            content=content,
            retired=retired,
            action=action,
            actor=actor,
            created_at=datetime.now(UTC),
            published_at=published_at,
        )
        s.add(row)
        s.flush()
        before = None if last is None else {"content": last.content, "retired": last.retired}
        audit.record(s, actor, f"faq.{action}", f"{kind}:{key}", before, {"content": content, "retired": retired})
        return Version.of(row)

    def rollback(self, kind: str, key: str, number: int, actor: str) -> Version | None:
        """A new version with the content of version `number` (the history stays whole)."""
        with self.Session() as s, s.begin():
            old = s.scalars(
                select(FaqVersion).where(FaqVersion.kind == kind, FaqVersion.key == key, FaqVersion.number == number)
            ).first()
            if old is None:
                raise NoSuchVersion(f"{kind}:{key} has no version {number}")
            return self._add(s, kind, key, old.content, actor, ROLLBACK, old.retired)

    def mark_published(self, ids: Iterable[int]) -> None:
        with self.Session() as s, s.begin():
            s.execute(update(FaqVersion).where(FaqVersion.id.in_(list(ids))).values(published_at=datetime.now(UTC)))

    def sync(self, content: Content, actor: str) -> int:
        """Take in what the files hold that differs from what was last published (an edit made in git): a new
        published version per changed entry or intent, and entries gone from the files retired. Returns how many."""
        now = datetime.now(UTC)
        added = 0
        with self.Session() as s, s.begin():
            for kind, values in ((ENTRY, content.entries), (EXAMPLES, content.examples)):
                published = self._latest(s, kind, published=True)
                for key, value in values.items():
                    last = published.get(key)
                    if last is None or last.retired or last.content != value:
                        added += self._add(s, kind, key, value, actor, IMPORT, False, now) is not None
                for key, last in published.items():
                    if key not in values and not last.retired:
                        added += self._add(s, kind, key, last.content, actor, IMPORT, True, now) is not None
        return added
