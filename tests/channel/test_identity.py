"""Issue 11, finding 4: one sender namespace for every channel. Conversations are keyed by channel and sender id, so
the REST webhook cannot reach a LINE or web-widget conversation, and the widget's id is the server's, signed.

The attacks run against the real app: LINE's webhook through the stand-in, the widget's routes, the REST webhook.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from itsdangerous import Signer
from sqlalchemy import select, text

from bot import outbox
from bot.errors import ConfigError
from bot.secret import installation_secret
from bot.settings import Settings
from bot.store.db import get_engine
from bot.store.migrate import upgrade
from services.booking.models import Booking
from tests.support import line_standin as line
from tests.support.garbage_support import demo_settings  # the LINE fixtures' database
from tests.support.line_support import bot, line_env, test_env, texts  # the LINE tests' fixtures

NAME, PHONE = "山田太郎", "090-1234-5678"


def quick_actions(messages: list[dict]) -> list[dict]:
    return [i["action"] for i in (messages[-1].get("quickReply") or {}).get("items", [])]


def book_on_line(bot, uid: str) -> None:
    """The LINE user books a pickup, as in tests/channel/test_line_booking.py."""

    def say(message: str) -> list[dict]:
        return bot.answer(line.text_event(uid, message))

    def tap(data: str, params: dict | None = None) -> list[dict]:
        return bot.answer(line.postback_event(uid, data, params))

    say("粗大ごみを出したい")
    say("ソファ1点")
    picker = quick_actions(say("泉野町3丁目5-1"))[0]
    tap(picker["data"], {"date": picker["min"]})
    say(NAME)
    sticker = next(a for a in quick_actions(say(PHONE)) if "処理券" in a["label"])
    flex = next(m for m in tap(sticker["data"]) if m["type"] == "flex")
    assert "受付番号" in texts(tap(flex["contents"]["footer"]["contents"][0]["action"]["data"]))


def test_a_line_user_id_posted_to_the_rest_webhook_cannot_cancel_that_users_booking(bot, client, engine, settings):
    uid = line.user_id()
    book_on_line(bot, uid)
    asked = texts(bot.answer(line.text_event(uid, "粗大ごみの予約をキャンセルしたい")))
    with get_engine(settings.database_url).connect() as conn:
        number, status = conn.execute(select(Booking.number, Booking.status).where(Booking.sender_id == uid)).one()
    assert number in asked and "取り消します" in asked  # LINE knows its user: only "はい" is missing
    line_state = engine.store.load(uid, "line")

    # The attacker knows the LINE user id and answers the question LINE's user was asked, then asks on its own.
    seen = []
    for message in [
        "/general_affirm",
        "はい",
        "予約を確認したい",
        "粗大ごみの予約をキャンセルしたい",
        "/general_affirm",
    ]:
        response = client.post("/webhooks/rest/webhook", json={"sender": uid, "message": message})
        assert response.status_code == 200
        seen += [m.get("text") or "" for m in response.get_json()]

    with get_engine(settings.database_url).connect() as conn:
        assert conn.execute(select(Booking.status).where(Booking.number == number)).scalar_one() == status == "booked"
    shown = "\n".join(seen)
    assert number not in shown and NAME not in shown and PHONE not in shown
    assert engine.store.load(uid, "line") == line_state, "the LINE conversation is untouched"
    assert {t["channel"] for t in engine.store.turns(uid, "rest")} == {"rest"}
    assert len(engine.store.turns(uid, "rest")) == 5


def session(client) -> str:
    response = client.post("/widget/session", json={})
    assert response.status_code == 200
    return response.get_json()["sender"]


def other_secret_id(client) -> str:
    """An id of the right shape, signed with another key (another installation's, or a guess)."""
    raw = session(client).split(".")[0]
    return Signer("not-this-servers-key", salt="widget-sender", digest_method=hashlib.sha256).sign(raw).decode()


@pytest.mark.parametrize(
    "forge",
    [
        lambda client: "web-0b1c6c3e-93c4-4b8e-9a53-1a8f5e0c2d11",  # an earlier widget's self-made id
        lambda client: session(client).split(".")[0],  # the random part without its signature
        lambda client: session(client)[:-2] + "AA",  # a signature changed
        other_secret_id,
    ],
)
def test_a_widget_id_the_server_did_not_sign_is_refused(client, engine, forge):
    forged = forge(client)
    for path, body in [
        ("/widget/webhook", {"sender": forged, "message": "ペットボトルは何ごみ？"}),
        ("/widget/feedback", {"sender": forged, "turn_id": 1, "value": "helpful"}),
        ("/widget/outbox", {"sender": forged}),
    ]:
        response = client.post(path, json=body)
        assert response.status_code == 403, (path, response.get_data(as_text=True))
        assert response.get_json()["error"].startswith("`sender` is not an id this server issued")
    assert engine.store.turns(forged.split(".")[0]) == []


def test_widget_ids_are_random_and_their_conversations_out_of_the_rest_webhooks_reach(client, engine, settings):
    signed = session(client)
    assert signed != session(client)
    replies = client.post("/widget/webhook", json={"sender": signed, "message": "ペットボトルは何ごみ？"}).get_json()
    visitor = replies[0]["recipient_id"]  # the id inside the signed one, as Rasa's REST replies name it
    assert signed.startswith(visitor + ".") and len(visitor) >= 22

    # The REST webhook, named with the visitor's id, gets a conversation of its own, and cannot rate their answers.
    client.post("/webhooks/rest/webhook", json={"sender": visitor, "message": "こんにちは"})
    assert [t["channel"] for t in engine.store.turns(visitor)] == ["widget", "rest"]
    assert engine.store.load(visitor, "widget")[2] == 1 and engine.store.load(visitor, "rest")[2] == 1
    turn_id = replies[-1]["turn_id"]
    assert not engine.record_feedback(visitor, turn_id, "helpful", channel="rest")
    ok = client.post("/widget/feedback", json={"sender": signed, "turn_id": turn_id, "value": "helpful"})
    assert ok.status_code == 200

    # Reminders queue per channel: the widget gets its own, never a REST sender's of the same name.
    outbox.add(settings.database_url, visitor, "REST の方へ", "k-rest", channel="rest")
    outbox.add(settings.database_url, visitor, "ウィジェットの方へ", "k-widget", channel="widget")
    fetched = client.post("/widget/outbox", json={"sender": signed}).get_json()
    assert [m["text"] for m in fetched] == ["ウィジェットの方へ"]


def test_the_signing_key_is_the_installations_and_production_never_makes_one_up(tmp_path):
    def key(**env: str) -> str:
        return installation_secret(
            Settings.from_env(env, project_dir=tmp_path), env.get("BOT_SECRET_KEY", ""), "BOT_SECRET_KEY"
        )

    assert key(BOT_SECRET_KEY="from-the-environment") == "from-the-environment"
    generated = key()
    assert len(generated) == 64 and key() == generated
    assert (tmp_path / "var" / "bot_secret_key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConfigError, match="Set BOT_SECRET_KEY"):
        key(BOT_ENV="production")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    return request.getfixturevalue("pg_url")


def test_existing_conversations_and_outbox_messages_survive_the_migration(empty_db):
    upgrade(empty_db, "0004_line")  # the schema before conversations were keyed by channel
    now = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    with get_engine(empty_db).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO conversations (sender_id, channel, session_id, state, version, created_at, last_active) "
                "VALUES ('U1', 'line', 1, '{}', 3, :now, :now), ('web-1', 'rest', 1, '{}', 1, :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text("INSERT INTO outbox (sender_id, text, retry_key, created_at) VALUES ('web-1', '明日です', 'k', :now)"),
            {"now": now},
        )
    upgrade(empty_db)
    with get_engine(empty_db).connect() as conn:
        keys = conn.execute(text("SELECT channel, sender_id, version FROM conversations ORDER BY sender_id")).all()
    assert [tuple(k) for k in keys] == [("line", "U1", 3), ("rest", "web-1", 1)]
    assert [m["text"] for m in outbox.fetch(empty_db, "web-1", channel="rest")] == ["明日です"]
