"""Locking a booking number after repeated wrong phone numbers: the number is printed on the sticker left on the
street, so the phone number is all that keeps a stranger from a booking, and guessing it must stop early.

Counts live in one table (models.LookupFailures), changed by conditional UPDATEs in one transaction, so workers and
hosts share them and a restart forgets nothing. Rows whose window and lockout are over are deleted as failures come.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import insert_ignore

from .config import Lockout
from .models import LookupFailures as Row


class Lockouts:
    def __init__(self, Session: sessionmaker[Session], limits: Lockout):
        self.Session = Session
        self.limits = limits

    def locked(self, number: str, now: datetime) -> bool:
        with self.Session() as s:
            count = s.scalar(select(func.count()).select_from(Row).where(Row.number == number, Row.locked_until > now))
        return bool(count)

    def fail(self, number: str, now: datetime) -> bool:
        """Count one wrong phone number; True when it locks the number (for `limits.lockout_minutes`)."""
        window_start = now - timedelta(minutes=self.limits.window_minutes)
        expired = Row.window_start < window_start
        with self.Session() as s, s.begin():
            insert_ignore(s, Row, {"number": number, "failures": 0, "window_start": now})
            s.execute(
                update(Row)
                .where(Row.number == number)
                .values(
                    failures=case((expired, 1), else_=Row.failures + 1),
                    window_start=case((expired, now), else_=Row.window_start),
                )
            )
            locked = s.execute(
                update(Row)
                .where(Row.number == number, Row.failures >= self.limits.failures)
                .values(failures=0, window_start=now, locked_until=now + timedelta(minutes=self.limits.lockout_minutes))
                .returning(Row.number)
            ).first()
            s.execute(delete(Row).where(expired, or_(Row.locked_until.is_(None), Row.locked_until <= now)))
        return locked is not None

    def clear(self, number: str) -> None:
        """The right phone number forgets the earlier wrong ones."""
        with self.Session() as s, s.begin():
            s.execute(delete(Row).where(Row.number == number))
