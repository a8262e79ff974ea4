"""Button payloads: what actions and channels write, the engine reads back unchanged."""

from __future__ import annotations

import pytest

from bot.input import parse_payload
from bot.payload import PayloadError, decode_payload, encode_payload


def test_a_payload_round_trips_from_encode_to_the_parsed_message():
    text = encode_payload("general_inform", date="2026-11-25", bulky_field="住所", count=3)
    assert decode_payload(text) == ("general_inform", {"date": "2026-11-25", "bulky_field": "住所", "count": 3})
    parsed = parse_payload(text, {"general_inform"})
    assert parsed["intent"] == {"name": "general_inform", "confidence": 1.0}
    assert {e["entity"]: e["value"] for e in parsed["entities"]} == {
        "date": "2026-11-25",
        "bulky_field": "住所",
        "count": 3,
    }
    assert decode_payload(encode_payload("general_greet")) == ("general_greet", {})


def test_what_is_not_a_payload_is_left_to_the_nlu():
    assert decode_payload("住民票がほしい") is None
    assert parse_payload('/general_inform{"date": "2026-11-25"}', {"general_greet"}) is None  # unknown intent
    for broken in ('/general_inform{"date": }', '/general_inform{"date"}'):
        with pytest.raises(PayloadError):
            decode_payload(broken)
        assert parse_payload(broken, {"general_inform"}) is None
