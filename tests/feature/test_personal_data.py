"""Personal data typed into the chat stays out of what is stored for analysis: the attack is reading the turns and
conversation states (an analyst's SQL, a database dump, a log) for citizens' names, phone numbers, addresses,
e-mail addresses and My Numbers. Through the REST webhook and the real engine on the demo city, real SQLite and
PostgreSQL; only the booking keeps the contact data, in its own table, for staff."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest
from sqlalchemy import select, text

from bot.privacy import EMAIL, MY_NUMBER, PERSONAL, PHONE
from bot.store.db import get_engine, session_factory
from services.booking.models import Booking

NAME = "山田 花子"
ADDRESS = "さくら市泉野町6丁目15-3"
PHONE_TYPED = "０９０－１２３４－５６７８"
# What must not be anywhere in the stored copy: the name, the street address and the phone number in any width.
TRACES = ("山田", "花子", "泉野町6丁目", "15-3", "1234", "5678", "１２３４")


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def _plain(value):
    """Confidences to 3 places and times to the second: their digits may hold "1234" by chance, and are no one's."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def stored(engine, sender: str, with_slots: bool = True) -> str:
    """Everything stored about the conversation for analysis, as one JSON text: its turns and its state."""
    state = dict(engine.store.load(sender)[0] or {})
    if not with_slots:
        state.pop("slots", None)
    return json.dumps(_plain([engine.store.turns(sender), state]), ensure_ascii=False, default=str)


def test_a_booking_stores_the_contact_data_for_staff_only(demo_data, say, engine, settings):
    sender = "citizen"
    say("粗大ごみを出したい", sender=sender)
    say("ソファ1点", sender=sender)
    say(ADDRESS, sender=sender)
    say('/general_inform{"date": "2026-11-25"}', sender=sender)
    say(f"{NAME}です", sender=sender)
    say(PHONE_TYPED, sender=sender)
    summary = say('/general_inform{"payment_method": "sticker"}', sender=sender)
    assert NAME in texts(summary) and "泉野町6丁目15-3" in texts(summary)  # the citizen sees their answers
    # While the form is open its answers wait in the state's slots, and nowhere else.
    assert not [t for t in TRACES if t in stored(engine, sender, with_slots=False)]
    assert engine.store.load(sender)[0]["slots"]["bulky_name"] == NAME

    done = say("/general_affirm", sender=sender)
    assert "受付番号" in texts(done)
    copy = stored(engine, sender)
    assert not [t for t in TRACES if t in copy], copy
    turns = engine.store.turns(sender)
    assert [t["user_text"] for t in turns][1:6] == ["ソファ1点", PERSONAL, turns[3]["user_text"], PERSONAL, PERSONAL]
    card = json.dumps(turns[6]["reply"], ensure_ascii=False)  # the confirmation card echoed all three
    assert turns[6]["intent"] == "general_inform" and card.count(PERSONAL) >= 3
    with session_factory(settings.database_url)() as s:
        booking = s.scalars(select(Booking)).one()
    assert (booking.name, booking.phone, booking.address.endswith("泉野町6丁目15-3")) == (NAME, "09012345678", True)


def test_the_booking_status_card_shows_the_address_and_stores_it_masked(demo_data, say, engine):
    sender = "owner"
    for message in (
        "粗大ごみを出したい",
        "ソファ1点",
        ADDRESS,
        '/general_inform{"date": "2026-11-25"}',
        f"{NAME}です",
        PHONE_TYPED,
        '/general_inform{"payment_method": "sticker"}',
        "/general_affirm",
    ):
        say(message, sender=sender)
    status = say("予約を確認したい", sender=sender)
    shown = json.dumps(status, ensure_ascii=False)
    assert "泉野町6丁目15-3" in shown  # the owner sees the address on the card
    copy = stored(engine, sender)
    assert not [t for t in TRACES if t in copy], copy


def test_contact_data_in_a_question_is_masked_in_the_turn_and_the_state(say, engine):
    question = "マイナンバー 1234 5678 9012 の件で taro@example.jp か +81-90-1234-5678 に連絡ください"
    say(question, sender="asker")
    (turn,) = engine.store.turns("asker")
    assert turn["user_text"] == f"マイナンバー {MY_NUMBER} の件で {EMAIL} か {PHONE} に連絡ください"
    state = json.dumps(engine.store.load("asker")[0], ensure_ascii=False)
    assert turn["user_text"] in state
    # "@example.jp": the address's domain alone is the citizen's too; the city's own URLs (…sakura.example.jp/) are not
    assert not [t for t in ("1234", "taro@", "@example.jp", "+81") if t in stored(engine, "asker")]


def test_a_name_given_at_the_managing_prompt_is_masked_too(demo_data, say, engine):
    say("予約を確認したい", sender="m")
    say("SD-AB23-CD45", sender="m")
    say("090 1234 5678", sender="m")  # the phone check: the answer to a personal question
    turns = engine.store.turns("m")
    assert turns[-1]["user_text"] == PERSONAL and "SD-AB23-CD45" in turns[-2]["user_text"]
    assert "1234" not in stored(engine, "m")


@pytest.fixture
def extra_env(request) -> dict[str, str]:
    """SQLite, or PostgreSQL for a test parametrized so."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return {}
    return {"BOT_DATABASE_URL": request.getfixturevalue("pg_url")}


REFUSE_TURNS = {
    "sqlite": ["CREATE TRIGGER refuse_turns BEFORE INSERT ON turns BEGIN SELECT RAISE(ABORT, 'disk is full'); END"],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk is full'; END $$",
        "CREATE TRIGGER refuse_turns BEFORE INSERT ON turns FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}


@pytest.mark.parametrize("extra_env", ["sqlite", "postgresql"], indirect=True)
def test_a_failing_write_logs_neither_the_message_nor_the_bound_parameters(client, engine, settings, caplog):
    database = get_engine(settings.database_url)
    with database.begin() as conn:
        for statement in REFUSE_TURNS[database.dialect.name]:
            conn.execute(text(statement))
    message = "住民票を取りたい。連絡は 090-1234-5678、名前は ZQXW です"
    with caplog.at_level(logging.INFO):
        response = client.post("/webhooks/rest/webhook", json={"sender": "unlucky", "message": message})
    assert response.status_code >= 500  # the write failed: nothing pretends the message was kept
    logged = caplog.text
    assert "disk is full" in logged  # the failure itself is logged, with its trace
    assert "ZQXW" not in logged and "1234" not in logged and "住民票を取りたい" not in logged
    assert "parameters hidden" in logged
