"""Issue 11, findings 7 and 10: what a client puts in a message is bounded and storable, on SQLite and PostgreSQL.

`metadata` is capped (bytes and depth) on every channel and the stored conversation state is capped; a lone
surrogate or NUL in a sender is a clear 400, in a text it is dropped and the message is answered and stored; a
feedback turn id beyond the database's integer column is a 400.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from bot.input import InputError
from bot.store.db import get_engine

WIDGET = "/widget/webhook"
REST = "/webhooks/rest/webhook"


@pytest.fixture(params=["sqlite", "postgresql"])
def extra_env(request) -> dict[str, str]:
    """Each test runs once on SQLite (the default) and once on a fresh PostgreSQL database; the state's cap is low
    enough for a few messages to reach it."""
    cap = {"BOT_MAX_STATE_BYTES": "16384"}
    if request.param == "sqlite":
        return cap
    return {**cap, "BOT_DATABASE_URL": request.getfixturevalue("pg_url")}


def signed_sender(client) -> str:
    return client.post("/widget/session", json={}).get_json()["sender"]


def post(client, path: str, body: dict):
    """`body` as JSON with \\u escapes, as an attacker sends a lone surrogate ("\\ud800") or NUL ("\\u0000")."""
    return client.post(path, data=json.dumps(body), headers={"Content-Type": "application/json"})


def chat(client, path: str, sender: str, message: str, metadata=None):
    return post(client, path, {"sender": sender, "message": message, **({"metadata": metadata} if metadata else {})})


@pytest.mark.parametrize("path", [REST, WIDGET])
def test_a_megabyte_of_metadata_is_refused_and_nothing_is_stored(client, engine, path):
    sender = signed_sender(client) if path == WIDGET else "big"
    for metadata, status in [({"pad": "x" * 1_000_000}, 413), ({"pad": "あ" * 700}, 413), ({"a": [[[[[1]]]]]}, 400)]:
        response = chat(client, path, sender, "こんにちは", metadata)
        assert response.status_code == status, response.get_data(as_text=True)
        assert "metadata" in response.get_json()["error"]
    assert engine.store.turns(sender.split(".")[0]) == []
    assert chat(client, path, sender, "こんにちは", {"page": "/", "lang": "ja", "a": [[[1]]]}).status_code == 200


def test_metadata_is_capped_on_the_engine_for_every_channel(engine):
    for channel in ("rest", "widget", "line"):
        with pytest.raises(InputError, match="at most 2048"):
            engine.handle_message("m1", "こんにちは", channel=channel, metadata={"pad": "x" * 3000})


def test_the_stored_state_stays_under_its_cap_while_the_turns_keep_everything(engine, settings):
    """Twenty messages, each with nearly 2 KB of metadata: the state keeps its newest events only."""
    for i in range(20):
        replies = engine.handle_message("chatty", f"ペットボトルは何ごみ？{i}", metadata={"pad": "x" * 1900})
        assert "ペットボトル" in replies[0]["text"]
    with get_engine(settings.database_url).connect() as conn:
        stored = conn.execute(text("SELECT state FROM conversations WHERE sender_id = 'chatty'")).scalar_one()
    state = stored if isinstance(stored, dict) else json.loads(stored)
    assert len(json.dumps(state)) <= settings.max_state_bytes
    assert len(engine.store.turns("chatty")) == 20
    assert all(t["status"] == "answered" for t in engine.store.turns("chatty"))


@pytest.mark.parametrize("sender", ["\ud800", "a\x00b", "tab\there"])
def test_a_sender_id_no_database_can_hold_is_a_clear_400(client, sender):
    response = chat(client, REST, sender, "こんにちは")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "`sender` must not contain control characters or unpaired surrogates.",
        "status": 400,
    }


@pytest.mark.parametrize(
    "message, stored",
    [("\ud800", ""), ("ペットボトル\ud800は何ごみ？", "ペットボトルは何ごみ？"), ("住民\x00票\x00", "住民票")],
)
def test_lone_surrogates_and_nul_in_a_text_are_dropped_and_the_message_is_stored(client, engine, message, stored):
    for path, sender in [(REST, "text"), (WIDGET, signed_sender(client))]:
        response = chat(client, path, sender, message)
        assert response.status_code == 200 and response.get_json()[0]["text"]
        assert engine.store.turns(sender.split(".")[0])[-1]["user_text"] == stored
    assert post(client, "/model/parse", {"text": message}).status_code == 200


def test_nul_and_lone_surrogates_spelled_in_a_button_payload_never_reach_the_database(say, engine):
    for payload in ['/general_inform{"bulky_name": "a\\u0000b"}', '/general_inform{"bulky_name": "\\ud800"}']:
        replies = say(payload, sender="escapes")
        assert replies and replies[0]["text"]
    turns = engine.store.turns("escapes")
    assert [t["status"] for t in turns] == ["answered", "answered"]
    assert all(t["intent"] != "general_inform" or t["confidence"] < 1 for t in turns), "not read as a button"


@pytest.mark.parametrize("turn_id", [2**31, 2**63, 10**30])
def test_a_feedback_turn_id_beyond_the_integer_column_is_a_400(client, turn_id):
    body = {"sender": signed_sender(client), "turn_id": turn_id, "value": "helpful"}
    response = post(client, "/widget/feedback", body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "`turn_id` must be a turn's number (a positive integer)."


def test_the_largest_turn_id_the_column_holds_is_looked_up(client):
    body = {"sender": signed_sender(client), "turn_id": 2**31 - 1, "value": "helpful"}
    assert client.post("/widget/feedback", json=body).status_code == 404
