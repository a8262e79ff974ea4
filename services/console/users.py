"""The console's named users: argon2id password hashes, roles, disabling, and a lockout after wrong passwords.

Each public function is one transaction. Changes are audited in the same transaction (services.console.audit).
A sign-in costs one argon2 verification whether or not the name exists, so timing does not tell which names do.
An account whose password was wrong LOCK_AFTER times in a row is locked for LOCK_MINUTES (a guesser spread over
many addresses gets past the per-address limit, not past this); the right password afterwards still waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import BotError
from bot.store.db import session_factory

from . import audit
from .models import ConsoleUser as Row

ROLES = ("staff", "bookings", "analyst", "admin")
ADMIN = "admin"
MIN_PASSWORD, MAX_PASSWORD = 12, 256  # characters; the upper bound keeps hashing cheap to ask for
MAX_NAME = 64
LOCK_AFTER, LOCK_MINUTES = 5, 15


class UserError(BotError):
    """A user change that cannot be made; the message says why (shown to admins, printed by the CLI)."""


@dataclass(frozen=True)
class User:
    """A signed-in console user: `name` (sign-in name), `role` (one of ROLES)."""

    id: int
    name: str
    role: str
    active: bool = True
    session_epoch: int = 0
    last_signin_at: datetime | None = None

    def may(self, roles: frozenset[str] | tuple[str, ...]) -> bool:
        """Whether this user may use what `roles` may (an admin may use everything)."""
        return self.role == ADMIN or self.role in roles


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2-cffi's defaults: argon2id, RFC 9106's low-memory profile


@cache
def _decoy_hash() -> str:
    return hasher().hash("not any user's password")


def _user(row: Row) -> User:
    return User(row.id, row.name, row.role, row.active, row.session_epoch, row.last_signin_at)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives back naive times: they were stored in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable() or " " in name or not _encodable(name):
        raise UserError(f"A user name is 1 to {MAX_NAME} printable characters without spaces, not {name!r}.")
    return name


def _encodable(text: str) -> bool:
    """No lone surrogates: the database could not store the name."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"The role must be one of {', '.join(ROLES)}, not {role!r}.")
    return role


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(f"A password is {MIN_PASSWORD} to {MAX_PASSWORD} characters long.")
    return password


class UserStore:
    def __init__(self, database_url: str):
        self.Session = session_factory(database_url)

    def _row(self, s: Session, name: str) -> Row:
        row = s.scalar(select(Row).where(Row.name == check_name(name)).with_for_update())
        if row is None:
            raise UserError(f"There is no user {name!r}.")
        return row

    def create(self, name: str, role: str, password: str, actor: str) -> User:
        name, role = check_name(name), check_role(role)
        digest = hasher().hash(check_password(password))
        with self.Session() as s, s.begin():
            if s.scalar(select(Row.id).where(Row.name == name)) is not None:
                raise UserError(f"A user {name!r} exists already.")
            row = Row(
                name=name,
                role=role,
                password_hash=digest,
                active=True,
                session_epoch=0,
                failed_signins=0,
                created_at=datetime.now(UTC),
            )
            s.add(row)
            audit.record(s, actor, "user.create", name, None, {"role": role, "active": True})
            s.flush()
            return _user(row)

    def all(self) -> list[User]:
        with self.Session() as s:
            return [_user(r) for r in s.scalars(select(Row).order_by(Row.name))]

    def get(self, user_id: int) -> User | None:
        with self.Session() as s:
            row = s.get(Row, user_id)
            return _user(row) if row is not None else None

    def set_active(self, name: str, active: bool, actor: str) -> User:
        with self.Session() as s, s.begin():
            row = self._row(s, name)
            before = row.active
            row.active = active
            row.session_epoch += 1  # a disabled user's sessions end now
            if active:
                row.failed_signins, row.locked_until = 0, None
            audit.record(
                s, actor, "user.enable" if active else "user.disable", name, {"active": before}, {"active": active}
            )
            return _user(row)

    def set_role(self, name: str, role: str, actor: str) -> User:
        role = check_role(role)
        with self.Session() as s, s.begin():
            row = self._row(s, name)
            before = row.role
            row.role = role
            row.session_epoch += 1
            audit.record(s, actor, "user.role", name, {"role": before}, {"role": role})
            return _user(row)

    def set_password(self, name: str, password: str, actor: str) -> User:
        digest = hasher().hash(check_password(password))
        with self.Session() as s, s.begin():
            row = self._row(s, name)
            row.password_hash = digest
            row.session_epoch += 1  # every session signed in with the old password ends
            row.failed_signins, row.locked_until = 0, None
            audit.record(s, actor, "user.password", name, None, None)  # never the hashes
            return _user(row)

    def end_sessions(self, user_id: int) -> None:
        """Sign-out: every session of this user ends (cookie sessions cannot be revoked one by one)."""
        with self.Session() as s, s.begin():
            row = s.get(Row, user_id, with_for_update=True)
            if row is not None:
                row.session_epoch += 1

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when `password` is theirs, they are active and not locked out; None otherwise, alike."""
        now = datetime.now(UTC)
        try:
            name = check_name(name)
        except UserError:
            name = ""  # no user has it: only the decoy is verified
        with self.Session() as s, s.begin():
            row = s.scalar(select(Row).where(Row.name == name).with_for_update()) if name else None
            usable = row is not None and row.active and not ((_utc(row.locked_until) or now) > now)
            try:
                hasher().verify(row.password_hash if usable and row else _decoy_hash(), password[:MAX_PASSWORD])
                right = True
            except (VerificationError, InvalidHashError):
                right = False
            if row is None or not usable:
                return None
            if not right:
                row.failed_signins += 1
                if row.failed_signins >= LOCK_AFTER:
                    row.failed_signins, row.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
                    audit.record(s, row.name, "user.locked", row.name, None, {"locked_minutes": LOCK_MINUTES})
                return None
            row.failed_signins, row.locked_until, row.last_signin_at = 0, None, now
            if hasher().check_needs_rehash(row.password_hash):
                row.password_hash = hasher().hash(password)
            return _user(row)
