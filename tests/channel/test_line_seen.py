"""The dedup table of LINE webhook events on real SQLite and PostgreSQL: one winner per event id, even at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store.migrate import upgrade
from connectors.line.seen import RETENTION, SeenEvents
from tests.support.line_standin import ulid


@pytest.fixture(params=["sqlite", "postgresql"])
def seen(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'line.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    upgrade(url)
    return SeenEvents(url)


def test_an_event_id_is_taken_once(seen):
    now = datetime.now(UTC)
    event_id = ulid()
    assert seen.first_time(event_id, now)
    assert not seen.first_time(event_id, now)
    assert seen.first_time(ulid(), now)


def test_concurrent_deliveries_of_one_event_have_one_winner(seen):
    event_id, now = ulid(), datetime.now(UTC)
    results: list[bool] = []
    start = threading.Barrier(8)

    def take():
        start.wait()
        results.append(seen.first_time(event_id, now))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def test_old_ids_are_pruned_after_the_retention(seen):
    now = datetime.now(UTC)
    old, recent = ulid(), ulid()
    seen.first_time(old, now - RETENTION - timedelta(hours=1))
    seen.first_time(recent, now - timedelta(hours=1))
    assert seen.prune(now) == 1
    assert seen.first_time(old, now)
    assert not seen.first_time(recent, now)
