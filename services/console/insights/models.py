"""What analysts did with the unanswered queue: one row per queued question (a turn or a garbage-lookup miss).

The queue itself is never copied: it is the turns and misses that have no resolution here, so a new turn joins it
the moment it is stored, and a resolved one leaves it for good.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base

TURN, GARBAGE_MISS = "turn", "garbage_miss"  # where a queued question comes from
# What resolved it: the remedies of the queue page
TRAINING_EXAMPLE, FAQ_ENTRY, GARBAGE_ITEM, GARBAGE_SYNONYM, OUT_OF_SCOPE, DISMISSED = (
    "training_example",
    "faq_entry",
    "garbage_item",
    "garbage_synonym",
    "out_of_scope",
    "dismissed",
)
RESOLUTIONS = (TRAINING_EXAMPLE, FAQ_ENTRY, GARBAGE_ITEM, GARBAGE_SYNONYM, OUT_OF_SCOPE, DISMISSED)


class QueueResolution(Base):
    """A queued question taken out of the queue: by whom, when, how, and with what (the intent, the item...)."""

    __tablename__ = "insights_resolutions"
    __table_args__ = (Index("ix_insights_resolutions_resolved_at", "resolved_at"),)

    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # TURN | GARBAGE_MISS
    source_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resolution: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(100))
    resolved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
