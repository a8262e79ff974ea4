"""Attacks on the bulky-waste booking, each written as the attacker would try it (issue 11: findings 1, 6 and 15):
forged item payloads, guessing the phone number of a booking, booking in a LINE group. Through the real Flask app
and engine on the demo city, real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.store.db import session_factory
from bot.store.migrate import upgrade
from services.booking.config import Lockout, load_config
from services.booking.fees import MAX_CHOICES, choices, load_table
from services.booking.lockout import Lockouts
from services.booking.models import Booking, PickupCapacity
from services.booking.service import BookingStore, Draft, InvalidItems, Locked

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=JST)
ADDRESS = "さくら市泉野町3丁目5-1"


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"PAYMENT_SANDBOX_SECRET": "test-sandbox-secret", "BOT_PUBLIC_URL": "http://127.0.0.1:9"}


@pytest.fixture(autouse=True)
def demo_city(demo_data):
    """The demo city's database as `bot setup` leaves it (its collection areas come from the garbage import)."""


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def bookings(settings) -> list[Booking]:
    with session_factory(settings.database_url)() as s:
        return list(s.scalars(select(Booking).order_by(Booking.id)))


def places_taken(settings) -> int:
    with session_factory(settings.database_url)() as s:
        return s.scalar(select(func.coalesce(func.sum(PickupCapacity.booked), 0))) or 0


def choose(items) -> str:
    """A forged item button: whatever JSON the attacker likes in `bulky_item_choice`."""
    return "/general_inform" + json.dumps({"bulky_item_choice": items}, ensure_ascii=False)


def book_with(say, sender: str, items_message: str) -> list[dict]:
    """The whole form with `items_message` as the answer to the item question; returns the replies to it."""
    say("粗大ごみを出したい", sender=sender)
    replies = say(items_message, sender=sender)
    for answer in (ADDRESS, '/general_inform{"date": "2026-11-25"}', "山田花子", "090-1234-5678"):
        say(answer, sender=sender)
    say('/general_inform{"payment_method": "online"}', sender=sender)
    say("/general_affirm", sender=sender)
    return replies


# -- finding 1: citizens set their own fees ------------------------------------------------------------------
def test_a_forged_fee_and_name_are_ignored_the_fee_table_prices_the_booking(say, settings):
    forged = [{"id": "sofa", "name": '=HYPERLINK("http://evil.example/")', "quantity": 10, "fee": 1}]
    replies = book_with(say, "attacker", choose(forged))
    assert "ソファー ×10　10,000円" in texts(replies) and "HYPERLINK" not in texts(replies)
    (booking,) = bookings(settings)
    assert booking.total_fee == 10_000
    assert [(i.item_id, i.name, i.quantity, i.unit_fee) for i in booking.items] == [("sofa", "ソファー", 10, 1000)]
    assert booking.payments[-1].amount == 10_000  # what the payment page asks for


@pytest.mark.parametrize(
    "items, expected",
    [
        ([{"id": "sofa", "quantity": 500}], "「ソファー」の数（500）はお受けできません"),
        ([{"id": "sofa", "quantity": 10}, {"id": "chest", "quantity": 10}], "合計10点まで"),
        ([{"id": "sofa", "quantity": 6}, {"id": "sofa", "quantity": 6}], "「ソファー」の数（12）はお受けできません"),
        ([{"id": "sofa", "quantity": -3}], "「ソファー」の数（-3）はお受けできません"),
        ([{"id": "sofa", "quantity": 0}], "「ソファー」の数（0）はお受けできません"),
        ([{"id": "sofa", "quantity": 10**30}], "はお受けできません"),
        ([{"id": "sofa", "quantity": 1.5}], "料金表にないため"),
        ([{"id": "sofa", "quantity": "1"}], "料金表にないため"),
        ([{"id": "sofa", "quantity": True}], "料金表にないため"),
        ([{"id": "gold_bar", "quantity": 1}], "料金表にないため"),
        ([{"id": "=cmd|'/c calc'!A1", "quantity": 1}], "料金表にないため"),
        ([{"name": "ソファー", "quantity": 1, "fee": 0}], "料金表にないため"),
        ([], "料金表にないため"),
        ({"id": "sofa", "quantity": 1}, "料金表にないため"),
        (12, "料金表にないため"),
    ],
)
def test_forged_item_lists_are_refused_politely_and_book_nothing(say, settings, items, expected):
    say("粗大ごみを出したい", sender="forger")
    reply = say(choose(items), sender="forger")
    assert expected in texts(reply) and "品目と数" in reply[-1]["text"], texts(reply)
    assert "=cmd" not in texts(reply)
    for answer in (ADDRESS, '/general_inform{"date": "2026-11-25"}', "山田花子", "090-1234-5678", "/general_affirm"):
        assert "受付番号は" not in texts(say(answer, sender="forger"))
    assert bookings(settings) == [] and places_taken(settings) == 0


def test_the_item_buttons_carry_ids_and_counts_only(say, settings):
    question = say("粗大ごみを出したい", sender="buttons")[-1]
    *payloads, quit_payload = [b["payload"] for b in question["buttons"]]
    assert payloads and all('"bulky_item_choice": [{"id": ' in p and "fee" not in p for p in payloads)
    assert quit_payload == "/general_cancel"  # やめる, as at every question
    book_with(say, "buttons", payloads[0])
    (booking,) = bookings(settings)
    assert (booking.total_fee, [i.name for i in booking.items]) == (1000, ["ソファー"])


def test_a_forged_yes_before_the_summary_does_not_confirm_the_booking(say, settings):
    say("粗大ごみを出したい", sender="hasty")
    say('/general_inform{"bulky_field": true}', sender="hasty")  # bulky_confirmed = true, at the first question
    for answer in ("ソファ1点", ADDRESS, '/general_inform{"date": "2026-11-25"}', "山田花子", "090-1234-5678"):
        say(answer, sender="hasty")
    summary = say('/general_inform{"payment_method": "sticker"}', sender="hasty")
    assert "次の内容でお申し込みします" in texts(summary) and bookings(settings) == []
    assert "受付番号は SD-" in texts(say("/general_affirm", sender="hasty"))


def test_the_store_prices_again_and_refuses_what_the_city_does_not_offer(settings):
    store = BookingStore(settings.database_url, load_config(settings.data_dir))
    fees = load_table(settings.data_dir, settings.database_url)

    def draft(*items):
        return Draft("泉野", "泉野町1-1", "山田", "09012345678", date(2026, 11, 25), items, "online", "rest", "s")

    for items in [(("gold_bar", 1),), (("sofa", 11),), (("sofa", 10), ("chest", 1)), (("sofa", -1),), ()]:
        with pytest.raises(InvalidItems):
            store.reserve(draft(*items), NOW, fees)
    assert places_taken(settings) == 0
    assert choices([{"id": "sofa", "quantity": 1}] * (MAX_CHOICES + 1)) is None  # no unbounded work per message
    booking, _ = store.reserve(draft(("sofa", 2), ("sofa", 1)), NOW, fees)
    assert booking.total_fee == 3000 and [(line.name, line.quantity) for line in booking.lines] == [("ソファー", 3)]


# -- finding 6: guessing the phone number of a booking ---------------------------------------------------------
def test_wrong_phone_numbers_lock_the_booking_number_for_a_while(say, settings, monkeypatch):
    book_with(say, "owner", "ソファ1点")
    number = bookings(settings)[0].number
    for attempt in range(5):  # a new conversation each time, as a script would
        say(f"{number}の予約を確認したい", sender=f"guess-{attempt}")
        reply = texts(say(f"090-0000-000{attempt}", sender=f"guess-{attempt}"))
    assert "15分ほどチャットでの確認を止めています" in reply and "099-100-3344" in reply
    say(f"{number}の予約を確認したい", sender="guess-right")
    assert "確認を止めています" in texts(say("090-1234-5678", sender="guess-right"))  # even the right one
    monkeypatch.setenv("BOT_FIXED_NOW", "2026-11-20T10:16:00+09:00")
    say(f"{number}の予約を確認したい", sender="owner-later")
    assert f"受付番号 {number} のご予約（予約済み）" in texts(say("090-1234-5678", sender="owner-later"))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_lockout_counts_in_the_database_across_workers(request, settings, database):
    url = settings.database_url if database == "sqlite" else request.getfixturevalue("pg_url")
    upgrade(url)
    limits = Lockout(failures=5, window_minutes=15, lockout_minutes=15)
    workers = [Lockouts(session_factory(url), limits) for _ in range(2)]  # two processes' views of one table
    barrier, locked = threading.Barrier(12), []

    def guess(i):
        barrier.wait()
        locked.append(workers[i % 2].fail("SD-ABCD-EFGH", NOW))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert locked.count(True) == 2  # the 5th and the 10th failure: each counted once, whichever worker saw it
    assert workers[1].locked("SD-ABCD-EFGH", NOW + timedelta(minutes=14))
    assert not workers[0].locked("SD-ABCD-EFGH", NOW + timedelta(minutes=31))
    assert not workers[0].locked("SD-OTHE-RONE", NOW)
    for minute in range(4):  # failures spread wider than the window never lock
        assert not workers[0].fail("SD-SLOW-GUES", NOW + timedelta(minutes=40 + 16 * minute))


def test_the_store_refuses_a_locked_number_even_with_the_right_phone(settings):
    store = BookingStore(settings.database_url, load_config(settings.data_dir))
    fees = load_table(settings.data_dir, settings.database_url)
    draft = Draft(
        "泉野", "泉野町1-1", "山田", "09012345678", date(2026, 11, 25), (("sofa", 1),), "sticker", "rest", "s"
    )
    number = store.reserve(draft, NOW, fees)[0].number
    for _ in range(4):
        assert store.find(number, "09000000000", NOW) is None
    assert store.find(number, "09012345678", NOW).number == number  # the owner's success forgets the failures
    for _ in range(4):
        store.find(number, "09000000000", NOW)
    with pytest.raises(Locked):
        store.find(number, "09000000000", NOW)
    with pytest.raises(Locked):
        store.find(number, "09012345678", NOW + timedelta(minutes=14))


# -- finding 15: bookings in group chats -----------------------------------------------------------------------
@pytest.mark.parametrize("chat_type", ["group", "room"])
def test_no_booking_and_no_personal_data_in_a_line_group(engine, settings, chat_type):
    def in_group(text):
        return texts(engine.handle_message("C-group-1", text, channel="line", metadata={"chat_type": chat_type}))

    refusal = "グループではお受けできません"
    assert refusal in in_group("粗大ごみを出したい") and "住所" not in in_group("ソファ1点")
    assert refusal in in_group("ソファを粗大ごみで出したい")
    assert refusal in in_group("予約を確認したい")
    assert refusal in in_group('/garbage_booking_manage{"manage_action": "cancel"}')
    assert bookings(settings) == []
    one_to_one = engine.handle_message(
        "U-member-1", "粗大ごみを出したい", channel="line", metadata={"chat_type": "user"}
    )
    assert "出したい品目と数" in texts(one_to_one)
