"""Engine and session factory shared by every store; SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Insert, create_engine, event, make_url, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from ..errors import BotError

log = logging.getLogger(__name__)
# Seconds a PostgreSQL connection attempt may take: an unreachable host fails in this time, not the system's minutes.
CONNECT_TIMEOUT = 5
_ENGINES: dict[str, Engine] = {}
_SQLITE_WRITE_LOCKS: dict[str, threading.Lock] = {}


def _sqlite_pragmas(dbapi_connection, _record):
    cur = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; busy_timeout makes writers queue instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def get_engine(url: str) -> Engine:
    """One pooled Engine per URL for the whole process. Its errors never carry the bound parameters (citizens'
    messages and contact data): SQLAlchemy puts them in every exception's text, and so in every logged traceback."""
    engine = _ENGINES.get(url)
    if engine is None:
        url_ = "postgresql+psycopg://" + url[len("postgresql://") :] if url.startswith("postgresql://") else url
        if url_.startswith("sqlite:///"):
            Path(url_[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url_, connect_args={"check_same_thread": False, "timeout": 10}, hide_parameters=True)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(
                url_,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                connect_args={"connect_timeout": CONNECT_TIMEOUT},
                hide_parameters=True,
            )
        _ENGINES[url] = engine
    return engine


class DatabaseUnreachable(BotError):
    """The database did not answer within the start-up wait."""


def wait_until_reachable(url: str, timeout: float, sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once the database answers; until `timeout` seconds have passed, retry with growing pauses (the
    database may be starting beside the bot), saying so in one line each time. Then raise DatabaseUnreachable."""
    deadline = time.monotonic() + timeout
    pause = 0.5
    shown = make_url(url).render_as_string(hide_password=True)
    while True:
        try:
            with get_engine(url).connect() as conn:
                conn.execute(select(1))
            return
        except OperationalError as exc:
            reason = " ".join(str(exc.orig).partition("\n")[0].split())
            left = deadline - time.monotonic()
            if left <= 0:
                raise DatabaseUnreachable(
                    f"the database at {shown} does not answer ({reason}), after {timeout:g} s of retries. "
                    "Check BOT_DATABASE_URL and that the database server runs; BOT_DB_STARTUP_TIMEOUT sets the wait."
                ) from None
            pause = min(pause, left)
            log.warning("the database at %s does not answer (%s); retrying in %.1f s", shown, reason, pause)
            sleep(pause)
            pause *= 2


def write_lock(url: str):
    """SQLite takes one writer at a time and makes the others poll with growing sleeps (up to 100 ms each);
    queueing this process's writers on a lock instead keeps the tail latency flat. Other databases: no-op."""
    if not url.startswith("sqlite"):
        return contextlib.nullcontext()
    return _SQLITE_WRITE_LOCKS.setdefault(url, threading.Lock())


def session_factory(url: str) -> sessionmaker:
    return sessionmaker(get_engine(url), expire_on_commit=False)


def dispose_all() -> None:
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def insert_ignore(session, model, values: dict) -> int:
    """INSERT that does nothing when the row exists (both dialects we run on); 1 when it inserted."""
    key = model.__table__.primary_key.columns
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(model).values(**values).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(model).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: with an implicit RETURNING of the key, PostgreSQL drivers report rowcount -1.
    return len(session.execute(statement.returning(*key)).all())
