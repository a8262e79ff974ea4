"""`python -m bot purge`: conversations older than `privacy.retention_days` (90 in data/city.yml) lose what could
identify a citizen, and keep what analysts count. The attack it stops: reading years of citizens' messages out of an
old database. Run as cron runs it, on the demo city, on real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import outbox
from bot.clock import clock
from bot.store import retention
from bot.store.db import session_factory
from bot.store.models import OutboxMessage, Turn
from tests.conftest import FIXED_NOW, PROJECT_DIR

FIXED = datetime.fromisoformat(FIXED_NOW)
LATER = FIXED + timedelta(days=95)  # past the demo city's 90 days
AGGREGATES = ("id", "intent", "confidence", "ranking", "actions", "channel", "unanswered", "feedback", "received_at")


@pytest.fixture(params=["sqlite", "postgresql"])
def extra_env(request) -> dict[str, str]:
    return {} if request.param == "sqlite" else {"BOT_DATABASE_URL": request.getfixturevalue("pg_url")}


def purge(test_env: dict[str, str], *args: str) -> str:
    """`python -m bot purge` at LATER, as the daily timer runs it; returns what it printed."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), **test_env, "BOT_FIXED_NOW": LATER.isoformat()}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def turns(settings) -> dict[int, dict]:
    with session_factory(settings.database_url)() as s:
        return {t.id: {c.name: getattr(t, c.name) for c in Turn.__table__.columns} for t in s.scalars(select(Turn))}


def outbox_size(settings) -> int:
    with session_factory(settings.database_url)() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_old_conversations_are_blanked_recent_ones_kept_and_a_second_run_finds_nothing(engine, settings, test_env):
    first = engine.handle_message("old", "住民票がほしい。山田です")
    engine.record_feedback("old", first[0]["turn_id"], "helpful")
    engine.handle_message("old", "粗大ごみを出したい")  # a form left open: its answers wait in the state
    outbox.add(settings.database_url, "old", "明日は粗大ごみの収集日です。", "reminder-old", None, FIXED)
    engine.now = clock(settings.with_(fixed_now=LATER))
    engine.handle_message("recent", "住民票がほしい")
    before = turns(settings)

    dry = purge(test_env, "--dry-run")
    assert "would delete or blank 1 conversation(s), 2 turn(s), 1 outbox message(s)" in dry
    assert turns(settings) == before and outbox_size(settings) == 1

    assert "deleted or blanked 1 conversation(s), 2 turn(s), 1 outbox message(s)" in purge(test_env)
    after = turns(settings)
    old = [i for i, t in before.items() if t["sender_id"] == "old"]
    for i in old:
        assert (after[i]["sender_id"], after[i]["user_text"], after[i]["entities"], after[i]["reply"]) == (
            "",
            "",
            None,
            None,
        )
        assert {k: after[i][k] for k in AGGREGATES} == {k: before[i][k] for k in AGGREGATES}
    assert after[old[0]]["feedback"] == "helpful"
    assert {i: t for i, t in after.items() if i not in old} == {i: t for i, t in before.items() if i not in old}
    assert engine.store.load("old")[0] is None and engine.store.load("recent")[0] is not None
    assert outbox_size(settings) == 0

    assert "deleted or blanked 0 conversation(s), 0 turn(s), 0 outbox message(s)" in purge(test_env)
    assert turns(settings) == after


def test_the_purge_goes_in_batches_until_nothing_is_left(engine, settings):
    for sender in ("a", "b", "c"):
        engine.handle_message(sender, "住民票がほしい")
    cutoff = FIXED + timedelta(seconds=1)
    assert retention.count(settings.database_url, cutoff) == retention.Purged(3, 3, 0)
    assert retention.purge(settings.database_url, cutoff, batch=1) == retention.Purged(3, 3, 0)
    assert retention.purge(settings.database_url, cutoff, batch=1) == retention.Purged(0, 0, 0)
    assert all(t["user_text"] == "" for t in turns(settings).values())
