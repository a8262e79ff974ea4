"""The quick replies a LINE user gets are the choices of the question asked last: 「どのご予約ですか」 offers each
booking under a label that fits LINE's 20 characters, then やめる; and a question answered in the middle of a form
leaves its related topics out of the quick replies of the form's question asked again. Through the real webhook
against the LINE stand-in (the `bot` fixture fails a test on any request the Messaging API would refuse)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.booking.actions.context import context
from services.booking.service import Draft
from tests.support import line_standin as line
from tests.support.garbage_support import demo_settings
from tests.support.line_support import bot, line_env, test_env, texts

MAX_QUICK_LABEL = 20


def quick_actions(messages: list[dict]) -> list[dict]:
    return [i["action"] for i in (messages[-1].get("quickReply") or {}).get("items", [])]


def to_summary(bot, uid: str, day: str) -> list[dict]:
    """The booking form's answers up to its summary card."""
    for text in (
        "粗大ごみを出したい",
        "ソファ1点",
        "泉野町3丁目5-1",
        f'/general_inform{{"date": "{day}"}}',
        "山田太郎",
    ):
        bot.answer(line.text_event(uid, text))
    bot.answer(line.text_event(uid, "090-1234-5678"))
    return bot.answer(line.postback_event(uid, '/general_inform{"payment_method": "sticker"}'))


def bookings_of(uid: str, *days: str) -> None:
    """Bookings made on LINE by `uid` in earlier conversations: the chat has no booking of theirs in mind."""
    ctx = context()
    template = Draft(
        "泉野", "泉野町3丁目5-1", "山田太郎", "09012345678", date.today(), (("sofa", 1),), "sticker", "line", uid
    )
    for day in days:
        ctx.store.reserve(replace(template, pickup_date=date.fromisoformat(day)), ctx.now, ctx.fees)


def test_which_booking_offers_short_labels_with_the_weekday_and_quit_last(bot):
    uid = line.user_id()
    bookings_of(uid, "2026-11-26", "2026-12-02")
    asked = bot.answer(line.text_event(uid, "予約を確認したい"))
    *bookings, quit_button = quick_actions(asked)
    labels = [b["label"] for b in bookings]
    assert labels == ["11月26日(木)の予約", "12月2日(水)の予約"], labels
    assert all(len(label) <= MAX_QUICK_LABEL and "…" not in label for label in labels)
    assert quit_button["label"] == "やめる" and quit_button["data"] == "/general_cancel"

    status = bot.answer(line.postback_event(uid, bookings[1]["data"]))
    card = next(m for m in status if m["type"] == "flex")
    assert "12月2日" in card["altText"]


def test_bookings_on_the_same_day_are_told_apart_by_their_number(bot):
    uid = line.user_id()
    bookings_of(uid, "2026-11-26", "2026-11-26")
    *bookings, quit_button = quick_actions(bot.answer(line.text_event(uid, "予約を確認したい")))
    labels = [b["label"] for b in bookings]
    assert len(set(labels)) == 2 and all(label.startswith("11月26日(木)の予約") for label in labels), labels
    assert all(len(label) <= MAX_QUICK_LABEL and "…" not in label for label in labels)
    assert quit_button["label"] == "やめる"


def test_a_question_answered_at_the_summary_keeps_the_summary_choices(bot):
    uid = line.user_id()
    summary = to_summary(bot, uid, "2026-12-02")
    card = next(m for m in summary if m["type"] == "flex")
    own = [b["action"]["label"] for b in card["contents"]["footer"]["contents"]]

    answered = bot.answer(line.text_event(uid, "児童手当の申請方法"))
    assert "児童手当" in texts(answered)
    last = answered[-1]
    assert last["type"] == "flex" and last["contents"]["footer"]["contents"], "the summary is asked again last"
    assert [b["action"]["label"] for b in last["contents"]["footer"]["contents"]] == own
    assert quick_actions(answered) == [], [a["label"] for a in quick_actions(answered)]


def test_a_question_answered_at_a_form_question_keeps_that_question_s_quick_replies(bot):
    uid = line.user_id()
    asked = bot.answer(line.text_event(uid, "粗大ごみを出したい"))
    own = [a["label"] for a in quick_actions(asked)]
    answered = bot.answer(line.text_event(uid, "児童手当の申請方法"))
    assert "児童手当" in texts(answered)
    assert [a["label"] for a in quick_actions(answered)] == own


def test_after_a_booking_asking_for_the_status_offers_every_booking(bot):
    uid = line.user_id()
    bookings_of(uid, "2026-11-26")
    to_summary(bot, uid, "2026-12-02")
    bot.answer(line.postback_event(uid, "/general_affirm"))  # booked: the conversation now has it in mind
    *bookings, quit_button = quick_actions(bot.answer(line.text_event(uid, "予約を確認したい")))
    assert [b["label"] for b in bookings] == ["11月26日(木)の予約", "12月2日(水)の予約"]
    assert quit_button["label"] == "やめる"
