"""Masking personal data (bot/privacy.py): phone numbers, e-mail addresses and My Numbers as citizens type them,
personal slots and the answers to their questions, and the retention setting."""

from __future__ import annotations

import logging
import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import Domain
from bot.errors import ConfigError
from bot.privacy import (
    EMAIL,
    MY_NUMBER,
    PERSONAL,
    PHONE,
    Masker,
    MaskingFormatter,
    mask_echo,
    mask_text,
    retention_days,
)
from tests.conftest import PROJECT_DIR


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("０９０－１２３４－５６７８", PHONE),
        ("090 1234 5678", PHONE),
        ("09012345678", PHONE),
        ("090ー1234ー5678", PHONE),
        ("090.1234.5678", PHONE),
        ("03(1234)5678", PHONE),
        ("0120-123-456", PHONE),
        ("+81-90-1234-5678", PHONE),
        ("+81 (0)3 1234 5678", PHONE),
        ("＋８１　９０　１２３４　５６７８", PHONE),
        ("0081-90-1234-5678", PHONE),
        ("1234 5678 9012", MY_NUMBER),
        ("１２３４５６７８９０１２", MY_NUMBER),
        ("taro@example.jp", EMAIL),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", EMAIL),
    ],
)
def test_phone_numbers_mail_addresses_and_my_numbers_are_masked_in_any_format(typed, stored):
    assert mask_text(f"連絡先は{typed}です") == f"連絡先は{stored}です"


@pytest.mark.parametrize(
    "text",
    [
        "受付番号は SD-AB23-4CD5 です",  # a booking number is no personal data: it is printed on the sticker
        "平日 8時30分〜17時15分（09:00-17:00）",
        "2026年11月25日(水)、2026-11-25",
        "〒999-1234 さくら市泉野町3丁目5-1",
        "合計 3,000円（ソファー ×1 1,000円）",
        "住民票の写しは1通300円です",
    ],
)
def test_dates_times_fees_and_booking_numbers_stay(text):
    assert mask_text(text) == text


def test_masking_twice_changes_nothing_more():
    once = mask_text("090-1234-5678 と taro@example.jp と 1234 5678 9012")
    assert mask_text(once) == once == f"{PHONE} と {EMAIL} と {MY_NUMBER}"


JAPANESE = st.text(alphabet="あいうえおかきくけこ市役所電話番号はですメール、。 ", max_size=12)
SEPARATORS = st.sampled_from(["", "-", " ", "－", "ー", "　", "‐", "."])


@st.composite
def typed_phone(draw) -> str:
    """A Japanese phone number as someone might type it: split anywhere, any separator, either width."""
    digits = "0" + draw(st.text(alphabet="0123456789", min_size=9, max_size=10))
    cut = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=3)))
    parts = [digits[i:j] for i, j in zip([0, *cut], [*cut, len(digits)], strict=True)]
    typed = draw(SEPARATORS).join(parts)
    if draw(st.booleans()):  # full-width digits
        typed = typed.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    return typed


@settings(max_examples=300, deadline=None)
@given(before=JAPANESE, phone=typed_phone(), after=JAPANESE)
def test_no_phone_number_survives_in_japanese_text(before, phone, after):
    masked = mask_text(f"{before}{phone}{after}")
    assert PHONE in masked
    assert not re.search(r"[0-9０-９]{4}", masked), masked


def test_an_echoed_answer_is_masked_as_typed_and_normalised():
    answer = "ｻｸﾗ市泉野町３丁目５－１です"
    reply = "「サクラ市泉野町3丁目5-1」がどの地区にあたるか分かりませんでした。"
    assert mask_echo(reply, answer) == f"「{PERSONAL}」がどの地区にあたるか分かりませんでした。"
    assert mask_echo("ひとつ前に戻ります。", "戻る") == "ひとつ前に戻ります。"


def test_log_lines_and_tracebacks_are_masked():
    try:
        int("090-1234-5678")
    except ValueError:
        record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "turn failed for %s", ("taro@example.jp",), None)
        record.exc_info = sys.exc_info()
    line = MaskingFormatter("%(levelname)s %(message)s").format(record)
    assert line.startswith(f"ERROR turn failed for {EMAIL}") and "ValueError" in line
    assert "1234" not in line and PHONE in line


DOMAIN = Domain.from_raw(
    {
        "slots": {"name": {"type": "text"}, "phone": {"type": "text"}, "topic": {"type": "text"}},
        "forms": {"contact_form": {"required_slots": ["name", "phone"]}},
        "personal_slots": ["name", "phone"],
    }
)


def state(slots: dict, events: list[dict], active_loop: str | None = "contact_form") -> dict:
    user = next(e for e in reversed(events) if e["event"] == "user")
    return {
        "sender_id": "s",
        "slots": slots,
        "events": events,
        "active_loop": active_loop,
        "latest_message": user["parse_data"],
    }


def user(text: str, entities: list | None = None) -> dict:
    return {"event": "user", "text": text, "parse_data": {"text": text, "entities": entities or []}}


def test_the_answer_to_a_personal_question_is_masked_whole_and_its_value_wherever_it_is_echoed():
    asked = Masker.from_domain(DOMAIN).answering({"requested_slot": "name"}, "contact_form")
    entities = [{"entity": "garbage_item", "value": "山田", "start": 0, "end": 2}]
    events = [
        {"event": "slot", "name": "requested_slot", "value": "name"},
        user("山田 花子です", entities),
        {"event": "slot", "name": "name", "value": "山田 花子"},
        {"event": "slot", "name": "topic", "value": "粗大ごみ"},
        {"event": "bot", "text": "山田 花子様ですね。", "data": {"custom": {"rows": [["お名前", "山田 花子"]]}}},
    ]
    reply = [{"recipient_id": "U0123456789abcdef", "text": "山田 花子様ですね。", "buttons": []}]
    slots = {"name": "山田 花子", "phone": None, "topic": "粗大ごみ", "requested_slot": "phone"}
    text, stored_entities, stored_reply, stored = asked.turn("山田 花子です", entities, reply, state(slots, events))
    assert text == PERSONAL
    assert stored_entities == [{"entity": "garbage_item", "value": PERSONAL, "start": 0, "end": 2}]
    assert stored_reply == [{"recipient_id": "U0123456789abcdef", "text": f"{PERSONAL}様ですね。", "buttons": []}]
    assert "山田" not in repr(stored["events"]) + repr(stored["latest_message"])
    assert stored["slots"] == slots  # the open form still needs the name
    assert stored["events"][3] == events[3]  # not personal


def test_personal_slots_leave_the_state_once_no_form_needs_them():
    masker = Masker.from_domain(DOMAIN)
    events = [user("粗大ごみの日は？"), {"event": "slot", "name": "phone", "value": "0312345678"}]
    slots = {"name": "山田 花子", "phone": "0312345678", "topic": None, "requested_slot": None}
    _, _, _, stored = masker.turn("粗大ごみの日は？", [], [], state(slots, events, active_loop=None))
    assert stored["slots"]["name"] is None and stored["slots"]["phone"] is None
    assert stored["events"][1]["value"] == PERSONAL
    assert stored["events"][0]["text"] == "粗大ごみの日は？"  # not an answer to a personal question: kept


def test_a_paused_form_keeps_its_personal_slots_until_it_resumes():
    masker = Masker.from_domain(DOMAIN)
    events = [user("粗大ごみの日は？")]
    slots = {"name": "山田 花子", "phone": "0312345678", "topic": None, "requested_slot": None}
    paused = {**state(slots, events, active_loop="other_form"), "paused_loops": ["contact_form"]}
    _, _, _, stored = masker.turn("粗大ごみの日は？", [], [], paused)
    assert stored["slots"]["name"] == "山田 花子" and stored["slots"]["phone"] == "0312345678"


def test_only_the_patterns_are_masked_when_the_bot_asked_nothing_personal():
    masker = Masker.from_domain(DOMAIN).answering({"requested_slot": "topic"}, "contact_form")
    assert masker.text("税金の件で090-1234-5678に電話ください") == f"税金の件で{PHONE}に電話ください"
    assert masker.answering_state(None).text("こんにちは") == "こんにちは"
    assert masker.answering_state({"slots": {"requested_slot": "phone"}, "active_loop": "contact_form"}).whole_text


def test_personal_slots_must_be_declared_slots():
    raw = {"slots": {"name": {"type": "text"}}, "personal_slots": ["name", "nmae"]}
    with pytest.raises(ConfigError, match="nmae"):
        Masker.from_domain(Domain.from_raw(raw))
    with pytest.raises(ConfigError, match="list of slot names"):
        Masker.from_domain(Domain.from_raw({"personal_slots": "name"}))


def test_the_project_domain_marks_the_booking_contact_slots_personal():
    masker = Masker.from_domain(Domain.load(PROJECT_DIR / "domain.yml"))
    assert {"bulky_name", "bulky_phone", "bulky_address", "manage_phone"} <= masker.personal_slots


@pytest.mark.parametrize("value", [None, 0, -5, "90", True, 1.5])
def test_retention_days_must_be_a_whole_number_of_days(value):
    with pytest.raises(ConfigError, match="retention_days"):
        retention_days({"privacy": {"retention_days": value}})
    assert retention_days({"privacy": {"retention_days": 90}}) == 90
