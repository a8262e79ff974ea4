"""A whole bulky-waste booking on LINE, as a citizen taps through it: typed answers, quick-reply postbacks, the
date picker and the Flex summary's confirm button; the booking is stored for the citizen's LINE user id, its
status card answers 「予約を確認したい」, and the day-before reminder reaches them as a push message. The stand-in
refuses every request the Messaging API would refuse (the `bot` fixture fails the test on one)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.store.db import session_factory
from services.booking import reminders
from services.booking.models import Booking
from tests.support import line_standin as line
from tests.support.garbage_support import demo_settings
from tests.support.line_support import bot, line_env, test_env, texts

PICKED_DATE = "2026-12-02"  # a weekday within the date picker's range (the tests run on 2026-11-20)
JST = timezone(timedelta(hours=9))


def quick_actions(messages: list[dict]) -> list[dict]:
    return [i["action"] for i in (messages[-1].get("quickReply") or {}).get("items", [])]


def test_a_whole_bulky_waste_booking_on_line(bot, settings):
    uid = line.user_id()

    def say(text: str) -> list[dict]:
        return bot.answer(line.text_event(uid, text))

    def tap(data: str, params: dict | None = None) -> list[dict]:
        return bot.answer(line.postback_event(uid, data, params))

    assert "品目" in texts(say("粗大ごみを出したい"))
    assert "住所" in texts(say("ソファ1点"))

    asked_date = say("泉野町3丁目5-1")
    picker, *dates = quick_actions(asked_date)
    assert picker["type"] == "datetimepicker" and picker["mode"] == "date"
    assert picker["min"] <= PICKED_DATE <= picker["max"]
    assert dates and all(d["type"] == "postback" for d in dates)

    assert "お名前" in texts(tap(picker["data"], {"date": PICKED_DATE}))
    assert "電話番号" in texts(say("山田太郎"))
    asked_payment = say("090-1234-5678")
    sticker = next(a for a in quick_actions(asked_payment) if "処理券" in a["label"])

    summary = tap(sticker["data"])
    flex = next(m for m in summary if m["type"] == "flex")
    assert "山田太郎" in flex["altText"]
    confirm = flex["contents"]["footer"]["contents"][0]
    assert confirm["style"] == "primary"

    done = texts(tap(confirm["action"]["data"]))
    assert "受付番号" in done and "12月2日" in done

    with session_factory(settings.database_url)() as s:
        booking = s.scalars(select(Booking).where(Booking.sender_id == uid)).one()
    assert (booking.channel, booking.pickup_date.isoformat()) == ("line", PICKED_DATE)
    assert bot.api.pushes == []

    # 「予約を確認したい」: the status card, whose status row has no label (LINE once refused it: "text": "")
    status = say("予約を確認したい")
    card = next(m for m in status if m["type"] == "flex")
    assert booking.number in card["altText"] and "予約済み" in json.dumps(card, ensure_ascii=False)
    assert bot.api.refused() == []

    # `bot remind` the day before: one push to the citizen, with a retry key, however often it runs
    day_before = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    assert reminders.run(settings, day_before).sent == 1
    assert reminders.run(settings, day_before).sent == 0
    (push,) = bot.api.pushes
    assert push.body["to"] == uid and booking.number in texts(push.messages)
    assert push.headers["x-line-retry-key"]


def test_the_confirm_button_tapped_again_says_the_booking_is_made(bot, engine):
    uid = line.user_id()
    for text in ("粗大ごみを出したい", "ソファ1点", "泉野町3丁目5-1", f'/general_inform{{"date": "{PICKED_DATE}"}}'):
        bot.answer(line.text_event(uid, text))
    bot.answer(line.text_event(uid, "山田太郎"))
    bot.answer(line.text_event(uid, "090-1234-5678"))
    summary = bot.answer(line.postback_event(uid, '/general_inform{"payment_method": "sticker"}'))
    confirm = next(m for m in summary if m["type"] == "flex")["contents"]["footer"]["contents"][0]["action"]
    assert "受付番号" in texts(bot.answer(line.postback_event(uid, confirm["data"])))
    again = texts(bot.answer(line.postback_event(uid, confirm["data"])))
    assert again == engine.agent.responder.render("utter_procedure_already_done", {}, "line")["text"]
