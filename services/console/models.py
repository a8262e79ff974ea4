"""Tables of the console: its named users (argon2 password hashes, sign-in lockout) and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class ConsoleUser(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # the sign-in name
    role: Mapped[str] = mapped_column(String(16))  # one of services.console.auth.ROLES
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, PHC string
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised by sign-out, a new password, a new role and disabling: sessions signed with an older value end.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)  # wrong passwords since the last good one
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_signin_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """Who changed what and when, with the values before and after (JSON; None where there was none)."""

    __tablename__ = "console_audit"
    __table_args__ = (Index("ix_console_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(80))  # a console user's name, or `cli:<system user>`
    action: Mapped[str] = mapped_column(String(64))  # dotted, e.g. `user.create`, `booking.mark`
    target: Mapped[str] = mapped_column(String(200))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
