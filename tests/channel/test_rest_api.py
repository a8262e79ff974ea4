"""The Rasa-compatible HTTP API on a real app: shapes, and every kind of bad input (on the fixture city)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import faq_answer, response_text

pytestmark = pytest.mark.fixture_city
RESIDENCE = "certificates_residence_record"


def post_raw(client, path, data, content_type="application/json"):
    return client.post(path, data=data, headers={"Content-Type": content_type})


def test_webhook_answers_in_rasa_shape(client, settings):
    response = client.post(
        "/webhooks/rest/webhook", json={"sender": "a1", "message": "住民票がほしい", "metadata": {"page": "/"}}
    )
    assert response.status_code == 200
    messages = response.get_json()
    assert messages and all(m["recipient_id"] == "a1" and isinstance(m["turn_id"], int) for m in messages)
    assert faq_answer(settings, RESIDENCE) in messages[0]["text"]
    assert all(set(b) == {"title", "payload"} and b["payload"].startswith("/") for b in messages[0].get("buttons", []))


def test_parse_returns_intent_ranking_and_entities(client):
    body = client.post("/model/parse", json={"text": "090-1234-5678に電話して明日住民票を取りに行きたい"}).get_json()
    assert set(body) == {"text", "intent", "intent_ranking", "entities"}
    assert body["intent"]["name"] == RESIDENCE
    assert 0 < body["intent"]["confidence"] <= 1
    assert body["intent_ranking"][0]["name"] == body["intent"]["name"]
    kinds = {e["entity"]: e["value"] for e in body["entities"]}
    assert kinds["phone_number"] == "090-1234-5678"
    assert kinds["date"] == "2026-11-21"


def test_health_and_version(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    version = client.get("/version").get_json()
    assert version["version"] and version["model_fingerprint"]


@pytest.mark.parametrize(
    "message,expect",
    [
        ("", "utter_empty_message"),
        ("   \n\t ", "utter_empty_message"),
        ("😀😀😀", "utter_no_text"),
        ("\x00\x01\x02", "utter_empty_message"),
    ],
)
def test_degenerate_messages_get_a_polite_reply(say, engine, message, expect):
    replies = say(message, sender="odd")
    assert len(replies) == 1 and replies[0]["text"] == response_text(engine, expect)
    assert engine.store.turns("odd")[-1]["actions"] == [expect]


def test_control_characters_are_removed_before_understanding(say, settings):
    replies = say("住民\x00票が\x07ほしい\u200b")
    assert faq_answer(settings, RESIDENCE) in replies[0]["text"]


def test_ten_thousand_characters_are_truncated_and_the_user_is_told(say, engine):
    replies = say("住民票について教えてください。" * 700, sender="long")
    assert replies[0]["text"] == response_text(engine, "utter_message_truncated", max_chars=1000)
    assert len(replies) >= 2
    turn = engine.store.turns("long")[-1]
    assert turn["truncated"] is True and len(turn["user_text"]) == 1000


@pytest.mark.parametrize(
    "data,content_type,status,needle",
    [
        (b'{"sender": "x", "message": "\xff\xfe"}', "application/json", 400, "UTF-8"),
        (b'{"sender": "x", "message": ', "application/json", 400, "JSON"),
        (b'{"message": "hello"}', "application/json", 400, "sender"),
        (b'{"sender": "", "message": "hello"}', "application/json", 400, "sender"),
        (b'{"sender": "x"}', "application/json", 400, "message"),
        (b'{"sender": "x", "message": 42}', "application/json", 400, "message"),
        (b'["sender", "x"]', "application/json", 400, "object"),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded", 415, "Content-Type"),
        (b'{"sender": "x", "message": "hi", "metadata": "nope"}', "application/json", 400, "metadata"),
    ],
)
def test_bad_requests_get_clear_json_errors(client, data, content_type, status, needle):
    response = post_raw(client, "/webhooks/rest/webhook", data, content_type)
    assert response.status_code == status
    body = response.get_json()
    assert needle in body["error"] and body["status"] == status


def test_parse_rejects_bad_input_too(client):
    assert post_raw(client, "/model/parse", b"{").status_code == 400
    assert client.post("/model/parse", json={"text": None}).status_code == 400
    assert post_raw(client, "/model/parse", b"text", "text/plain").status_code == 415


def test_unknown_route_and_method_are_json(client):
    assert client.get("/nope").get_json()["status"] == 404
    assert client.get("/webhooks/rest/webhook").get_json()["status"] == 405


def test_bad_input_never_corrupts_the_tracker(client, say, engine, settings):
    for data in [b"\xff", b"{", b'{"sender": "c1"}']:
        post_raw(client, "/webhooks/rest/webhook", data)
    for text in ["", "😀", "\x00", "x" * 10_000]:
        say(text, sender="c1")
    replies = say("住民票がほしい", sender="c1")
    assert faq_answer(settings, RESIDENCE) in replies[0]["text"]
    turns = engine.store.turns("c1")
    assert [t["status"] for t in turns] == ["answered"] * 5
    assert turns[-1]["intent"] == RESIDENCE


def test_every_turn_is_stored_for_analysts(say, engine):
    say("住民票がほしい", sender="an")
    say("あｓｄｆｇｈｊｋｌ", sender="an")
    first, second = engine.store.turns("an")
    assert first["user_text"] == "住民票がほしい" and first["channel"] == "rest"
    assert first["intent"] == RESIDENCE and first["confidence"] > 0
    assert first["ranking"][0]["name"] == first["intent"] and first["actions"] == ["action_answer_faq"]
    assert first["reply"][0]["text"] and first["unanswered"] is False
    assert second["unanswered"] is True
    assert engine.store.unanswered()[0]["user_text"] == "あｓｄｆｇｈｊｋｌ"


def test_payload_buttons_bypass_nlu(say, engine, settings):
    replies = say(f'/{RESIDENCE}{{"faq_id": "no_such_entry"}}', sender="p1")
    turn = engine.store.turns("p1")[-1]
    assert turn["intent"] == RESIDENCE and turn["confidence"] == 1.0
    assert faq_answer(settings, RESIDENCE) in replies[0]["text"]


def test_json_is_utf8_not_escaped(client, engine):
    raw = client.post("/webhooks/rest/webhook", json={"sender": "u8", "message": "こんにちは"}).get_data()
    assert engine.profile()["city"]["name"].encode() in raw
    json.loads(raw)
