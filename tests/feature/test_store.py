"""Tracker store on real SQLite and PostgreSQL: migrations, turns, crash safety, concurrency (on the fixture city)."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect

from bot.engine import Engine
from bot.store.db import get_engine
from bot.store.migrate import downgrade, upgrade
from bot.store.tracker_store import ConcurrentUpdate, TrackerStore
from tests.conftest import faq_answer, response_text

pytestmark = pytest.mark.fixture_city
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_url")


def test_migrations_upgrade_and_downgrade(db_url):
    upgrade(db_url)
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {"conversations", "turns", "alembic_version"} <= tables
    downgrade(db_url, "base")
    assert not {"conversations", "turns"} & set(inspect(get_engine(db_url)).get_table_names())
    upgrade(db_url)
    upgrade(db_url)  # idempotent


def test_turn_round_trip_and_optimistic_locking(db_url):
    upgrade(db_url)
    store = TrackerStore(db_url)
    state = {"sender_id": "u", "session_id": 1, "slots": {"a": "あ"}, "events": []}
    parse = {"intent": {"name": "general_greet", "confidence": 0.9}, "intent_ranking": [], "entities": []}
    turn = store.save_turn(
        "u", "rest", "こんにちは", False, state, 0, NOW, parse, ["utter_greet"], [{"text": "こんにちは"}], False
    )
    loaded, last_active, version = store.load("u")
    assert loaded["slots"] == {"a": "あ"} and version == 1 and last_active is not None
    for stale in (0, 5):  # a writer that read an older version lost the race, and stores nothing
        with pytest.raises(ConcurrentUpdate):
            store.save_turn("u", "rest", "二回目", False, state, stale, NOW, parse, [], [], False)
    assert [t["intent"] for t in store.turns("u")] == ["general_greet"]
    assert store.record_feedback("u", turn, "helpful", NOW) is True
    assert store.record_feedback("someone-else", turn, "helpful", NOW) is False
    with pytest.raises(ValueError):
        store.record_feedback("u", turn, "great", NOW)
    assert store.forget("u") is True and store.load("u")[0] is None


def test_engine_on_postgresql_keeps_conversations(bot_env, pg_url):
    engine = Engine(bot_env.with_(database_url=pg_url))
    try:
        engine.handle_message("pg", "こんにちは")
        replies = engine.handle_message("pg", "住民票がほしい")
        assert faq_answer(bot_env, "certificates_residence_record") in replies[0]["text"]
        turns = engine.store.turns("pg")
        assert [t["intent"] for t in turns] == ["general_greet", "certificates_residence_record"]
    finally:
        engine.close()


def test_a_crash_mid_turn_keeps_the_message_and_the_old_state(engine, monkeypatch):
    engine.handle_message("crash", "こんにちは")
    before, _, version = engine.store.load("crash")

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(engine.agent.processor, "handle", boom)
    replies = engine.handle_message("crash", "住民票がほしい")
    assert replies[0]["text"] == response_text(engine, "utter_error")
    turns = engine.store.turns("crash")
    assert turns[-1]["user_text"] == "住民票がほしい" and turns[-1]["status"] == "failed"
    after, _, version_after = engine.store.load("crash")
    assert after == before and version_after == version


def test_when_even_the_apology_cannot_be_rendered_the_one_from_start_up_is_sent(engine, monkeypatch):
    apology = response_text(engine, "utter_error")

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(engine.agent.processor, "handle", boom)
    monkeypatch.setattr(engine.agent.responder, "render", boom)  # as when the city profile is unreadable mid-edit
    assert [r["text"] for r in engine.handle_message("crash", "住民票がほしい")] == [apology]


def test_concurrent_messages_from_one_sender_are_serialised(engine):
    errors = []

    def send(i):
        try:
            engine.handle_message("busy", f"住民票がほしい{i}")
        except Exception as exc:  # noqa: BLE001 - any failure is collected and reported below  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    turns = engine.store.turns("busy")
    assert len(turns) == 8 and all(t["status"] == "answered" for t in turns)
    state, _, version = engine.store.load("busy")
    assert version == 8  # every turn saw the state the previous one saved: none was lost
    kept = [e["text"] for e in state["events"] if e["event"] == "user"]
    assert kept and kept == [t["user_text"] for t in turns][-len(kept) :]
