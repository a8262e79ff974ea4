"""Every version of every FAQ entry and of every intent's training examples, as the console saved them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base

ENTRY, EXAMPLES = "entry", "examples"  # what a version holds: an FAQ entry's fields, or an intent's examples


class FaqVersion(Base):
    """One version of one entry (`kind` ENTRY, `key` its id) or one intent's examples (EXAMPLES, the intent).

    The latest version of a key is what the console shows; it is in the files once `published_at` is set."""

    __tablename__ = "console_faq_versions"
    __table_args__ = (
        UniqueConstraint("kind", "key", "number", name="uq_console_faq_versions_number"),
        Index("ix_console_faq_versions_pending", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per (kind, key)
    content: Mapped[Any] = mapped_column(JSON)  # the entry's fields, or the list of example texts
    retired: Mapped[bool] = mapped_column(Boolean, default=False)  # the entry is (to be) removed from the files
    action: Mapped[str] = mapped_column(String(16))  # import | save | retire | rollback
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
