"""Every question of a form offers やめる on LINE as the last quick reply, after the question's own choices, and
tapping it ends the form: the booking at each of its questions, and the collection-area question (issue 10
point 1). Through the real webhook against the LINE stand-in (the `bot` fixture fails a test on any request the
Messaging API would refuse)."""

from __future__ import annotations

from tests.support import line_standin as line
from tests.support.garbage_support import demo_settings
from tests.support.line_support import bot, line_env, test_env, texts

BOOKING_ANSWERS = ("ソファ1点", "泉野町3丁目5-1", '/general_inform{"date": "2026-12-02"}', "山田太郎", "090-1234-5678")


def quick_actions(messages: list[dict]) -> list[dict]:
    return [i["action"] for i in (messages[-1].get("quickReply") or {}).get("items", [])]


def test_every_booking_question_offers_quit_last_and_it_ends_the_booking(bot, engine):
    cancelled = engine.agent.responder.render("utter_cancelled", {}, "line")["text"]
    for answered in range(len(BOOKING_ANSWERS) + 1):
        uid = line.user_id()
        asked = bot.answer(line.text_event(uid, "粗大ごみを出したい"))
        for text in BOOKING_ANSWERS[:answered]:
            asked = bot.answer(line.text_event(uid, text))
        *choices, quit_button = quick_actions(asked)
        assert quit_button["label"] == "やめる" and quit_button["type"] == "postback", texts(asked)
        assert all(c["label"] != "やめる" for c in choices)
        assert cancelled in texts(bot.answer(line.postback_event(uid, quit_button["data"])))
        assert engine.store.load(uid, "line")[0]["active_loop"] is None
    assert bot.api.refused() == []


def test_the_area_question_offers_quit_and_it_ends_the_question(bot, engine):
    uid = line.user_id()
    *_, quit_button = quick_actions(bot.answer(line.text_event(uid, "ごみの収集日は")))
    assert quit_button["label"] == "やめる"
    bot.answer(line.postback_event(uid, quit_button["data"]))
    assert engine.store.load(uid, "line")[0]["active_loop"] is None
    assert bot.api.refused() == []
