"""The whole bulky-waste booking conversation through the REST webhook: real Flask app, real SQLite (and PostgreSQL
for the race), the demo city's fixed Friday 2026-11-20 (Monday 11-23 is a holiday; the first pickup day is 11-25)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import requests
from sqlalchemy import func, select

from bot.store.db import dispose_all, session_factory
from services.booking.config import load_config
from services.booking.models import Booking
from services.booking.service import BookingStore
from services.payments.sandbox import SandboxLedger
from tests.conftest import LiveServer, response_text
from tests.support.area_support import add_areas

SECRET = "test-sandbox-secret"


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"PAYMENT_SANDBOX_SECRET": SECRET, "BOT_PUBLIC_URL": "http://127.0.0.1:9"}


@pytest.fixture(autouse=True)
def demo_city(demo_data):
    """The demo city's database as `bot setup` leaves it: the collection areas come from its garbage import."""


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def slots(engine, sender) -> dict:
    return engine.store.load(sender)[0]["slots"]


def bookings(settings) -> list[Booking]:
    with session_factory(settings.database_url)() as s:
        return list(s.scalars(select(Booking).order_by(Booking.id)))


def to_confirmation(
    say, sender, items="ソファ1点とタンス2つ", address="さくら市泉野町3丁目5-1", day="2026-11-25", payment="sticker"
):
    say("粗大ごみを出したい", sender=sender)
    say(items, sender=sender)
    say(address, sender=sender)
    say(f'/general_inform{{"date": "{day}"}}', sender=sender)
    say("山田花子", sender=sender)
    say("090-1234-5678", sender=sender)
    return say(f'/general_inform{{"payment_method": "{payment}"}}', sender=sender)


def test_a_citizen_books_a_pickup_from_request_to_booking_number(say, engine, settings):
    first = say("ソファを粗大ごみで出したい", sender="c1")
    assert "ソファー ×1　1,000円" in texts(first) and "住所" in texts(first)
    assert "ひとつ前に戻ります。品目をもう一度お答えください" in texts(say("戻る", sender="c1"))
    assert slots(engine, "c1")["bulky_items"] is None and slots(engine, "c1")["requested_slot"] == "bulky_items"
    assert "これが最初の質問です" in texts(say("前に戻って", sender="c1"))
    say("ソファ1点とタンス2つ", sender="c1")
    dates = say("さくら市泉野町3丁目5-1", sender="c1")
    assert "泉野地区" in texts(dates)
    picker = next(r for r in dates if r.get("custom"))
    assert picker["custom"] == {
        "type": "date_picker",
        "intent": "general_inform",
        "entity": "date",
        "min": "2026-11-25",
        "max": "2027-01-19",
    }
    assert [b["title"] for b in picker["buttons"]][:3] == ["11月25日(水)", "11月26日(木)", "11月27日(金)"]
    say("来週の水曜", sender="c1")  # 2026-11-25
    say("山田 花子です", sender="c1")
    payment = say("090-1234-5678", sender="c1")
    assert "3,000円" in texts(payment) and len(payment[-1]["buttons"]) == 3  # sticker, online, やめる
    assert payment[-1]["buttons"][-1]["payload"] == "/general_cancel"
    confirm = say('/general_inform{"payment_method": "sticker"}', sender="c1")
    card = confirm[-1]
    assert card["custom"]["type"] == "summary" and card["custom"]["total"] == "合計 3,000円"
    assert ["収集日", "2026年11月25日(水)"] in card["custom"]["rows"]
    assert "ソファー ×1（1,000円）" in card["text"] and "たんす ×2（2,000円）" in card["text"]
    done = say("/general_affirm", sender="c1")
    assert "受付番号は SD-" in texts(done) and "処理券" in texts(done)
    say("/general_affirm", sender="c1")  # the confirmation button pressed again
    rows = bookings(settings)
    assert len(rows) == 1
    b = rows[0]
    assert (b.area, b.pickup_date, b.name, b.phone, b.total_fee, b.payment_method, b.channel, b.sender_id) == (
        "泉野",
        date(2026, 11, 25),
        "山田 花子",
        "09012345678",
        3000,
        "sticker",
        "rest",
        "c1",
    )
    assert b.number in texts(done)
    assert [(i.name, i.quantity, i.unit_fee) for i in b.items] == [("ソファー", 1, 1000), ("たんす", 2, 1000)]


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("テレビ", "家電リサイクル法"),
        ("パソコン", "メーカーによる回収"),
        ("大きい家具", "「家具」は粗大ごみの料金表に見つかりませんでした"),
        # the sorting calls it 燃やさないごみ, collected on the area's days: said so, and that it needs no booking
        ("電子レンジ", "「電子レンジ」は「燃やさないごみ」です。\n粗大ごみのお申し込みは要りません"),
        ("ソファ0台", "1品目につき1〜10点"),
        ("ソファ999個", "「ソファー」の数（999）はお受けできません"),
    ],
)
def test_items_that_cannot_be_booked_are_asked_again(say, engine, answer, expected):
    say("粗大ごみを出したい", sender="i")
    reply = say(answer, sender="i")
    assert expected in texts(reply) and "品目と数" in reply[-1]["text"]
    assert slots(engine, "i")["requested_slot"] == "bulky_items" and slots(engine, "i")["bulky_items"] is None


def test_bad_answers_are_re_asked_one_by_one_and_nothing_is_lost(say, engine):
    say("粗大ごみを出したい", sender="b")
    say("ソファ2点", sender="b")
    assert "さくら市の外の住所" in texts(say("東京都新宿区西新宿2-8-1", sender="b"))
    assert "番地まで入力" in texts(say("泉野", sender="b"))
    say("泉野町3-5-1", sender="b")
    for typed, expected in [
        ("2月30日", "2月30日という日付はありません"),
        ("2026年11月2日", "すでに過ぎています"),
        ("11月28日", "収集を行っていません"),
        ("11月23日", "祝日（勤労感謝の日）"),
        ("11月24日", "11月25日(水)以降"),
        ("12月31日", "収集を行っていません"),
        ('/general_inform{"date": "2030-01-02"}', "2030年1月2日(水)はまだ受付期間外です"),  # far off: with its year
        ("まあいつでも", "日付が読み取れませんでした"),
    ]:
        reply = say(typed, sender="b")
        assert expected in texts(reply), typed
        assert reply[-1]["buttons"] and slots(engine, "b")["requested_slot"] == "bulky_date"
    say("12月2日", sender="b")
    assert "お名前として読み取れません" in texts(say("12345", sender="b"))
    say("山田花子", sender="b")
    for typed in ("0120", "090-1234-567", "電話はありません"):
        assert "電話番号の形が正しくない" in texts(say(typed, sender="b")), typed
    kept = slots(engine, "b")
    assert kept["bulky_items"][0]["quantity"] == 2 and kept["bulky_address"] == "泉野町3-5-1"
    assert kept["bulky_date"] == "2026-12-02" and kept["bulky_name"] == "山田花子"
    assert kept["requested_slot"] == "bulky_phone"


def test_changing_one_answer_at_the_confirmation_keeps_the_others(say, engine, settings):
    to_confirmation(say, "e")
    menu = say("/general_deny", sender="e")
    assert "どの内容を修正しますか" in texts(menu)
    assert '/general_inform{"bulky_field": "bulky_address"}' in [b["payload"] for b in menu[-1]["buttons"]]
    say('/general_inform{"bulky_field": "bulky_address"}', sender="e")
    moved = say("浅野川町1-1", sender="e")
    assert "浅野川地区" in texts(moved) and "収集日を選び直して" in texts(moved)
    say('/general_inform{"date": "2026-11-26"}', sender="e")
    again = say("電話番号を変更", sender="e")  # typed at the confirmation
    assert "電話番号を変更します" in texts(again)
    card = say("080-2222-3333", sender="e")[-1]
    assert ["住所", "浅野川町1-1（浅野川）"] in card["custom"]["rows"]
    assert ["電話番号", "080-2222-3333"] in card["custom"]["rows"] and ["お名前", "山田花子"] in card["custom"]["rows"]
    say("/general_affirm", sender="e")
    (b,) = bookings(settings)
    assert (b.area, b.pickup_date, b.phone) == ("浅野川", date(2026, 11, 26), "08022223333")


def test_cancelling_the_form_forgets_the_answers(say, engine, settings):
    say("粗大ごみを出したい", sender="x")
    say("ソファ", sender="x")
    say("泉野町3-5-1", sender="x")
    assert "手続きを中止しました" in texts(say("やめる", sender="x"))
    state = slots(engine, "x")
    assert state["bulky_items"] is None and state["bulky_address"] is None and state["requested_slot"] is None
    assert bookings(settings) == []


def test_online_payment_then_status_shows_it_paid(say, client, settings):
    to_confirmation(say, "p", payment="online")
    done = say("/general_affirm", sender="p")
    assert "/pay/sandbox/sbx_" in texts(done)
    charge_id = texts(done).split("/pay/sandbox/", 1)[1].split()[0]
    ledger = SandboxLedger(settings.database_url, SECRET)
    body, headers = ledger.completion(ledger.pay(charge_id))
    assert client.post("/payments/sandbox/callback", data=body, headers=headers).get_json()["outcome"] == "paid"
    status = say("予約を確認したい", sender="p")  # the same conversation knows its booking
    assert "オンライン決済：支払い済み" in texts(status) and "予約済み" in texts(status)


def test_managing_a_booking_needs_its_number_and_phone_number(say, engine, settings):
    to_confirmation(say, "owner")
    say("/general_affirm", sender="owner")
    number = bookings(settings)[0].number
    assert "受付番号を入力" in texts(say("予約を確認したい", sender="other"))
    assert "SD-" in texts(say("SD-XXXX", sender="other"))
    say(number.lower(), sender="other")
    wrong = say("090-9999-9999", sender="other")  # a typo in either: both are asked again, the lookup goes on
    assert "一致するご予約が見つかりませんでした" in texts(wrong) and "受付番号を入力" in wrong[-1]["text"]
    assert slots(engine, "other")["requested_slot"] == "manage_number"
    say(f"{number}の予約を確認したい", sender="other")
    status = say("09012345678", sender="other")
    assert f"受付番号 {number} のご予約（予約済み）" in texts(status)
    change = say('/garbage_booking_manage{"manage_action": "change_date"}', sender="other")
    assert "11月25日(水)" not in [b["title"] for b in change[-1]["buttons"]]
    assert "11月25日(水)から12月1日(火)に変更します。よろしいですか" in texts(say("12月1日", sender="other"))
    assert bookings(settings)[0].pickup_date == date(2026, 11, 25)  # not before the citizen says yes
    assert "2026年12月1日(火)に変更しました" in texts(say("はい", sender="other"))
    say("予約を取り消したい", sender="other")
    assert "取り消しはしませんでした" in texts(say("いいえ", sender="other"))
    say('/garbage_booking_manage{"manage_action": "cancel"}', sender="other")
    assert "ご予約を取り消しました" in texts(say("はい", sender="other"))
    (b,) = bookings(settings)
    assert b.status == "cancelled" and b.pickup_date == date(2026, 12, 1)
    assert BookingStore(settings.database_url, load_config(settings.data_dir)).day_capacity(date(2026, 12, 1)) == [
        ("泉野", 20, 0)
    ]


@pytest.mark.parametrize("typed", ["取り消してください", "はい、取り消す", "キャンセルします"])
def test_asked_whether_to_cancel_a_request_to_cancel_is_a_yes(say, settings, typed):
    to_confirmation(say, "yes")
    say("/general_affirm", sender="yes")
    say("予約を取り消したい", sender="yes")
    assert "ご予約を取り消しました" in texts(say(typed, sender="yes"))
    assert bookings(settings)[0].status == "cancelled"


def test_asked_whether_to_cancel_stopping_says_the_booking_stays(say, settings):
    to_confirmation(say, "keep")
    say("/general_affirm", sender="keep")
    say("予約を取り消したい", sender="keep")
    unclear = say("090-1234-5678", sender="keep")
    assert "「はい、取り消す」" in texts(unclear) and "住所を変更" not in texts(unclear)
    for stop in ("やめる", "キャンセル", "もう大丈夫です"):
        assert "ご予約は取り消していません" in texts(say(stop, sender="keep")), stop
        say("予約を取り消したい", sender="keep")
    assert bookings(settings)[0].status == "booked"


def test_a_confirmation_tapped_again_after_its_procedure_finished_says_it_is_done(say, engine, settings):
    done = response_text(engine, "utter_procedure_already_done")
    capabilities = response_text(engine, "utter_capabilities")
    to_confirmation(say, "again")
    assert "受付番号" in texts(say("/general_affirm", sender="again"))
    assert texts(say("/general_affirm", sender="again")) == done  # 「この内容で申し込む」 again
    assert len(bookings(settings)) == 1
    say("予約を取り消したい", sender="again")
    assert "ご予約を取り消しました" in texts(say("/general_affirm", sender="again"))
    assert texts(say("/general_deny", sender="again")) == done  # 「いいえ」 of the same question
    # further on, or after a procedure that was stopped, a yes is no repeated tap
    assert capabilities in texts(say("/general_affirm", sender="again"))
    say("粗大ごみを出したい", sender="again")
    say("やめる", sender="again")
    assert capabilities in texts(say("/general_affirm", sender="again"))
    assert done not in texts(say("/general_deny", sender="again"))


def test_a_confirmation_typed_in_words_then_tapped_says_it_is_done(say, engine, settings):
    to_confirmation(say, "typed")
    say("/general_affirm", sender="typed")
    say("予約を取り消したい", sender="typed")
    assert "ご予約を取り消しました" in texts(say("取り消してください", sender="typed"))
    # 「はい、取り消す」 tapped after all
    assert texts(say("/general_affirm", sender="typed")) == response_text(engine, "utter_procedure_already_done")


def test_a_yes_after_the_collection_days_is_no_finished_procedure(say, engine):
    say("ごみの収集日は", sender="area")
    say("泉野", sender="area")
    assert response_text(engine, "utter_capabilities") in texts(say("/general_affirm", sender="area"))


def test_small_talk_and_stop_phrases_are_never_a_name(say, engine):
    say("粗大ごみを出したい", sender="n")
    say("ソファ1点", sender="n")
    say("泉野町3-5-1", sender="n")
    say("12月2日", sender="n")
    for typed in ("はい", "ありがとう", "こんにちは", "わからない", "住民票", "児童手当", "名前は言いたくない"):
        assert slots(engine, "n")["bulky_name"] is None
        reply = say(typed, sender="n")
        assert "お名前を入力" in reply[-1]["text"] and slots(engine, "n")["bulky_name"] is None, typed
    assert "手続きを中止しました" in texts(say("もう大丈夫です", sender="n"))
    assert slots(engine, "n")["requested_slot"] is None


def test_a_greeting_in_a_form_gets_no_menu_and_stopping_an_inner_question_discards_nothing(say, engine):
    say("粗大ごみを出したい", sender="g")
    say("ソファ1点", sender="g")
    greeted = say("こんにちは", sender="g")
    menu = response_text(engine, "utter_capabilities")
    assert greeted[-1]["text"].startswith("収集にうかがう住所") and menu not in texts(greeted)
    say("ごみの収集日を知りたい", sender="g")
    resumed = texts(say("やめる", sender="g"))
    assert resumed.startswith(response_text(engine, "utter_cancelled_garbage_area_form"))
    assert response_text(engine, "utter_cancelled") not in resumed and "収集にうかがう住所" in resumed
    assert slots(engine, "g")["bulky_items"] and slots(engine, "g")["requested_slot"] == "bulky_address"
    assert menu in texts(say("こんにちは", sender="idle"))  # outside a form a greeting still shows the topics


def test_a_sorting_question_at_the_item_question_is_answered_then_asked_again(say, engine):
    say("粗大ごみを出したい", sender="q")
    reply = say("スプレー缶は何ごみですか", sender="q")
    assert "「スプレー缶」は" in texts(reply) and "料金表に見つかりません" not in texts(reply)
    assert "品目と数" in reply[-1]["text"] and slots(engine, "q")["requested_slot"] == "bulky_items"
    misspelt = say("ソフア", sender="q")  # an item name the table lacks is still this question's answer
    assert "「ソフア」は粗大ごみの料金表に見つかりません" in texts(misspelt) and "品目と数" in misspelt[-1]["text"]


def test_a_button_of_another_question_changes_nothing_and_the_question_is_asked_again(say, engine):
    say("粗大ごみを出したい", sender="old")
    say("ソファ1点", sender="old")
    for payload in (
        '/general_inform{"bulky_field": "bulky_confirmed"}',  # forged: once raised a KeyError
        '/general_inform{"payment_method": "online"}',
        '/general_inform{"bulky_item_choice": [{"id": "chest", "quantity": 1}]}',
    ):
        reply = say(payload, sender="old")
        assert "前の質問のもの" in texts(reply) and "住所を番地まで" in reply[-1]["text"], payload
        assert "もう一度お申し込みください" not in texts(reply) and "失敗しました" not in texts(reply)
    say("泉野町3-5-1", sender="old")
    say("12月2日", sender="old")
    assert "前の質問のもの" in texts(say('/general_inform{"date": "2026-12-03"}', sender="old"))
    kept = slots(engine, "old")
    assert kept["bulky_date"] == "2026-12-02" and kept["bulky_payment"] is None
    assert kept["requested_slot"] == "bulky_name"


def test_typing_the_edit_button_at_the_summary_opens_its_menu(say):
    to_confirmation(say, "menu")
    assert "どの内容を修正しますか" in texts(say("修正する", sender="menu"))
    forged = say('/general_inform{"bulky_field": "manage_booking"}', sender="menu")
    assert "前の質問のもの" in texts(forged) and "修正する" in [b["title"] for b in forged[-1]["buttons"]]


def test_a_question_about_paying_at_the_payment_question_is_about_this_fee(say, engine):
    to_confirmation(say, "pay", payment="sticker")
    say("/general_deny", sender="pay")
    say('/general_inform{"bulky_field": "bulky_payment"}', sender="pay")
    reply = say("PayPay使えますか", sender="pay")
    assert "この粗大ごみの手数料は" in texts(reply) and "市税" not in texts(reply)
    assert slots(engine, "pay")["requested_slot"] == "bulky_payment"
    taxes = say("住民税はコンビニで払えますか", sender="pay")  # another service's payment: its own answer
    assert "この粗大ごみの手数料は" not in texts(taxes) and slots(engine, "pay")["requested_slot"] == "bulky_payment"


@pytest.mark.parametrize(
    ("payment", "response"), [("sticker", "utter_bulky_fee_sticker"), ("online", "utter_bulky_fee_online")]
)
def test_a_question_about_the_fee_at_the_summary_is_answered_from_the_booking(say, engine, settings, payment, response):
    config = load_config(settings.data_dir)
    to_confirmation(say, payment, payment=payment)  # ソファ 1,000円 and タンス 2 × 1,000円
    answer = response_text(
        engine, response, total="3,000円", shops=config.sticker["shops"], put_out_by=config.put_out_by
    )
    for question in ("手数料はいくら？", "支払いはどうすればいいですか", "いつまでに払えばいい？"):
        reply = say(question, sender=payment)
        assert reply[0]["text"] == answer and len(reply) == 2, question
        assert reply[-1]["text"].startswith("次の内容でお申し込みします"), question
        assert slots(engine, payment)["requested_slot"] == "bulky_confirmed"
    other = say("住民税はいつ払う？", sender=payment)  # another service's payment: its own answer, then the summary
    assert not other[0]["text"].startswith("手数料は合計") and other[-1]["text"].startswith(
        "次の内容でお申し込みします"
    )
    assert "受付番号" in texts(say("はい", sender=payment))


def test_a_location_shared_at_the_address_question_answers_it(say, engine):
    say("粗大ごみを出したい", sender="loc")
    say("ソファ1点", sender="loc")
    shared = '/general_location{"location_address": "さくら市泉野町3丁目5-1", "latitude": 36.55, "longitude": 136.65}'
    reply = say(shared, sender="loc")
    assert "泉野地区" in texts(reply) and slots(engine, "loc")["requested_slot"] == "bulky_date"
    assert slots(engine, "loc")["bulky_address"] == "さくら市泉野町3丁目5-1"


def test_a_new_date_named_at_the_summary_is_taken_at_once(say, engine):
    to_confirmation(say, "redate")
    reply = say("日付を12月1日に変えたい", sender="redate")
    assert "12月1日(火)ですね" in texts(reply)
    state = slots(engine, "redate")
    assert state["bulky_date"] == "2026-12-01" and state["requested_slot"] == "bulky_confirmed"
    assert ["収集日", "2026年12月1日(火)"] in reply[-1]["custom"]["rows"]


def test_an_unreadable_message_in_a_form_gets_the_question_again(say):
    say("粗大ごみを出したい", sender="u")
    say("ソファ1点", sender="u")
    reply = say("👍", sender="u")
    assert "文字が読み取れませんでした" in reply[0]["text"] and "住所を番地まで" in reply[-1]["text"]
    assert len(reply) == 2


def test_cancelling_after_the_deadline_is_refused_politely(say, engine, settings, monkeypatch):
    to_confirmation(say, "late")
    say("/general_affirm", sender="late")
    # Tuesday 11-24: the 11-25 pickup could be changed until Friday 11-20.
    monkeypatch.setenv("BOT_FIXED_NOW", "2026-11-24T09:00:00+09:00")
    reply = say('/garbage_booking_manage{"manage_action": "cancel"}', sender="late")
    assert "11月20日(金)までの受付でした" in texts(reply) and "099-100-3344" in texts(reply)
    assert bookings(settings)[0].status == "booked"


def test_on_line_the_citizen_is_known_by_their_user_id(engine, settings):
    def line(user, text):
        return engine.handle_message(user, text, channel="line")

    line("U1", "ソファを粗大ごみで出したい")
    for text in (
        "泉野町3-5-1",
        '/general_inform{"date": "2026-11-26"}',
        "山田花子",
        "09012345678",
        '/general_inform{"payment_method": "sticker"}',
        "/general_affirm",
    ):
        line("U1", text)
    engine.forget("U1")  # a later conversation
    status = line("U1", "予約を確認したい")
    assert "ご予約（予約済み）" in texts(status)
    assert bookings(settings)[0].channel == "line"
    assert "受付番号を入力" in texts(line("U2", "予約を確認したい"))  # somebody else's LINE account


def test_a_booking_survives_a_restart(say, engine, bot_env, settings):
    to_confirmation(say, "r")
    say("/general_affirm", sender="r")
    number = bookings(settings)[0].number
    engine.close()
    dispose_all()
    from bot.engine import Engine
    from connectors import create_app

    restarted = Engine(bot_env)
    try:
        client = create_app(bot_env, engine=restarted).test_client()

        def say2(text):
            return client.post("/webhooks/rest/webhook", json={"sender": "after-restart", "message": text}).get_json()

        say2(f"{number}の予約を確認したい")
        assert f"受付番号 {number} のご予約（予約済み）" in texts(say2("090-1234-5678"))
    finally:
        restarted.close()


def race_for_the_last_place(base_url: str, database_url: str, data_dir) -> list[str]:
    """Two citizens at the confirmation for the area's last place press 申し込む at the same moment."""
    BookingStore(database_url, load_config(data_dir)).set_capacity("泉野", date(2026, 11, 25), 1)

    def say(text, sender):
        response = requests.post(
            f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
        )
        assert response.status_code == 200
        return response.json()

    for sender in ("A", "B"):
        to_confirmation(say, sender)
    barrier, results = threading.Barrier(2), {}

    def confirm(sender):
        barrier.wait()
        results[sender] = texts(say("/general_affirm", sender))

    threads = [threading.Thread(target=confirm, args=(s,)) for s in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results.values(), key=lambda t: "受付番号は" not in t)


def test_two_citizens_racing_for_the_last_place_on_sqlite(live_server, settings):
    won, lost = race_for_the_last_place(live_server, settings.database_url, settings.data_dir)
    assert "受付番号は SD-" in won and "たった今、予約がいっぱいになりました" in lost and "収集日を選んで" in lost
    with session_factory(settings.database_url)() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 1


def test_two_citizens_racing_for_the_last_place_on_postgresql(bot_env, pg_url, monkeypatch):
    from bot.engine import Engine
    from connectors import create_app

    monkeypatch.setenv("BOT_DATABASE_URL", pg_url)
    settings = bot_env.with_(database_url=pg_url)
    engine = Engine(settings)
    add_areas(pg_url, "泉野", "浅野川")
    try:
        with LiveServer(create_app(settings, engine=engine)) as server:
            won, lost = race_for_the_last_place(server.url, pg_url, settings.data_dir)
    finally:
        engine.close()
    assert "受付番号は SD-" in won and "たった今、予約がいっぱいになりました" in lost
    with session_factory(pg_url)() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 1


def test_a_question_or_a_later_answer_typed_early_is_answered_and_the_question_asked_again(say, engine):
    def reply_to(text):
        reply = say(text, sender="early")
        return texts(reply[:-1]), reply[-1]["text"]

    say("粗大ごみを出したい", sender="early")
    items_prompt = response_text(engine, "utter_ask_bulky_items")
    assert reply_to("手数料はいくらですか") == (response_text(engine, "utter_bulky_fee_by_item"), items_prompt)
    assert reply_to("泉野町3丁目5-1") == (response_text(engine, "utter_bulky_later", field="住所"), items_prompt)
    priced, asked = reply_to("ソファはいくら？")  # names an item: its fee, and the booking goes on
    assert "ソファー ×1　1,000円" in priced and asked.startswith("収集にうかがう住所")
    for early, field in (("12月9日", "収集日"), ("090-1234-5678", "電話番号")):
        said, asked = reply_to(early)
        assert said == response_text(engine, "utter_bulky_later", field=field) and asked.startswith(
            "収集にうかがう住所"
        )
        assert slots(engine, "early")["bulky_address"] is None and engine.store.load("early")[0]["active_loop"]
    said, asked = reply_to("泉野町3丁目5-1です。あと手数料はいくらですか")
    assert "泉野町3丁目5-1（泉野地区）で承ります" in said and "手数料は合計1,000円です" in said
    assert slots(engine, "early")["bulky_address"] == "泉野町3丁目5-1" and "収集日を選んで" in asked
    said, asked = reply_to("支払いはどうすれば？")
    assert said.startswith("手数料は合計1,000円です") and "収集日を選んで" in asked


def test_a_field_named_alone_at_the_summary_or_its_menu_edits_it(say, engine):
    to_confirmation(say, "field")
    say("修正する", sender="field")
    for named, slot in (("お名前", "bulky_name"), ("住所", "bulky_address"), ("収集日", "bulky_date")):
        reply = say(named, sender="field")
        assert slots(engine, "field")["requested_slot"] == slot, named
        assert "「はい」か「いいえ」" not in texts(reply), named
        say(
            {"bulky_name": "山田花子", "bulky_address": "泉野町3丁目5-1", "bulky_date": "12月9日"}[slot], sender="field"
        )
        assert slots(engine, "field")["requested_slot"] == "bulky_confirmed"


def test_a_typed_date_that_cannot_be_booked_is_not_confirmed_first(say, engine):
    say("粗大ごみを出したい", sender="echo")
    say("ソファ1点", sender="echo")
    say("泉野町3丁目5-1", sender="echo")
    refused = texts(say("12月12日", sender="echo"))  # a Saturday
    assert "12月12日(土)は収集を行っていません" in refused and "ですね" not in refused
    assert texts(say("12月9日", sender="echo")).startswith("12月9日(水)ですね。")


def test_not_knowing_the_booking_number_gets_the_office_at_once(say, engine):
    say("予約を変更したい", sender="lost")
    invalid = response_text(engine, "utter_bulky_manage_number_invalid")
    for typed in ("受付番号がわからない", "受付番号を忘れました", "12月9日"):  # read as managing, and as garbage days
        reply = say(typed, sender="lost")
        assert reply[0]["text"] == invalid and len(reply) == 2, typed
        assert slots(engine, "lost")["requested_slot"] == "manage_number"


def test_moving_a_booking_asks_first_and_no_picks_another_date(say, settings):
    to_confirmation(say, "mv")
    say("/general_affirm", sender="mv")
    say("収集日を変更したい", sender="mv")
    assert "12月11日(金)に変更します。よろしいですか" in texts(say("12月11日かな？", sender="mv"))
    assert "12月14日(月)に変更します。よろしいですか" in texts(
        say("12月14日", sender="mv")
    )  # another date, asked again
    assert "新しい収集日を選んで" in texts(say("いいえ", sender="mv"))
    assert bookings(settings)[0].pickup_date == date(2026, 11, 25)
    say("12月15日", sender="mv")
    assert "2026年12月15日(火)に変更しました" in texts(say("変更してください", sender="mv"))
    assert bookings(settings)[0].pickup_date == date(2026, 12, 15)


def test_another_services_question_at_any_booking_question_is_declined_and_the_question_asked_again(say, engine):
    declined = response_text(engine, "utter_out_of_scope")
    say("粗大ごみを出したい", sender="oos")
    for answer, asked in (("ソファ1点", "bulky_items"), ("泉野町3丁目5-1", "bulky_address"), (None, "bulky_date")):
        for question in ("パスポートを作りたい", "図書館は何時まで開いていますか"):
            reply = say(question, sender="oos")
            assert reply[0]["text"] == declined and len(reply) == 2, (asked, question)
            assert slots(engine, "oos")["requested_slot"] == asked
        if answer:
            say(answer, sender="oos")
    say("予約を確認したい", sender="oos2")
    assert say("パスポートを作りたい", sender="oos2")[0]["text"] == declined
    assert slots(engine, "oos2")["requested_slot"] == "manage_number"
    to_confirmation(say, "oos3")
    say("/general_affirm", sender="oos3")
    for start, asked in (("収集日を変更したい", "manage_new_date"), ("12月11日", "manage_change_confirmed")):
        say(start, sender="oos3")
        reply = say("パスポートを作りたい", sender="oos3")
        assert reply[0]["text"] == declined and len(reply) == 2 and slots(engine, "oos3")["requested_slot"] == asked
    say("やめる", sender="oos3")
    say("予約を取り消したい", sender="oos3")
    reply = say("パスポートを作りたい", sender="oos3")
    assert reply[0]["text"] == declined and slots(engine, "oos3")["requested_slot"] == "manage_cancel_confirmed"


def test_a_change_of_mind_with_an_answer_is_the_answer_and_without_one_stops(say, engine, settings):
    say("粗大ごみを出したい", sender="mind")
    say("たんす", sender="mind")
    assert "浅野2丁目3-4（浅野地区）で承ります" in texts(say("やっぱり浅野2丁目3-4です", sender="mind"))
    assert slots(engine, "mind")["bulky_address"] == "浅野2丁目3-4"
    assert texts(say("やっぱり12月9日で", sender="mind")).startswith("12月9日(水)ですね。")
    assert "手続きを中止しました" in texts(say("やっぱりいいです", sender="mind"))
    assert engine.store.load("mind")[0]["active_loop"] is None
    to_confirmation(say, "mind2")
    say("/general_affirm", sender="mind2")
    say("収集日を変更したい", sender="mind2")
    say("12月11日", sender="mind2")
    assert "12月4日(金)に変更します。よろしいですか" in texts(say("やっぱり12月4日で", sender="mind2"))
    assert "12月4日(金)に変更しました" in texts(say("はい", sender="mind2"))


def test_changing_an_answer_in_words_mid_booking_stays_in_the_booking(say, engine):
    say("粗大ごみを出したい", sender="chg")
    say("たんす", sender="chg")
    later = say("やっぱり日付を12月4日にしたい", sender="chg")  # the date is asked later: said so, address again
    assert later[0]["text"] == response_text(engine, "utter_bulky_later", field="収集日")
    assert slots(engine, "chg")["requested_slot"] == "bulky_address"
    for answer in ("浅野2丁目3-4", "12月9日", "山田太郎"):
        say(answer, sender="chg")
    moved = texts(say("やっぱり日付を12月4日にしたい", sender="chg"))  # at the phone question: no booking lookup
    assert moved.startswith("12月4日(金)ですね。") and "受付番号を入力" not in moved
    assert (
        slots(engine, "chg")["bulky_date"] == "2026-12-04" and slots(engine, "chg")["requested_slot"] == "bulky_phone"
    )
    added = say("ソファも1点追加したい", sender="chg")
    assert slots(engine, "chg")["requested_slot"] == "bulky_items" and "受付番号" not in texts(added)


def test_a_greeting_in_a_form_is_short_and_promises_no_topic_buttons(say, engine):
    say("粗大ごみを出したい", sender="hi")
    greeted = say("こんにちは", sender="hi")
    assert greeted[0]["text"] == response_text(engine, "utter_greet_in_form") and len(greeted) == 2


def test_hiragana_field_names_at_the_edit_menu_and_items_typed_later(say, engine):
    to_confirmation(say, "kana")
    say("修正する", sender="kana")
    say("じゅうしょ", sender="kana")
    assert slots(engine, "kana")["requested_slot"] == "bulky_address"
    later = say("ソファ2点", sender="kana")  # items at the address question: how to change them
    assert later[0]["text"] == response_text(engine, "utter_bulky_items_later", field="品目")
    assert slots(engine, "kana")["requested_slot"] == "bulky_address"


@pytest.mark.parametrize(
    ("payment", "response"), [("sticker", "utter_bulky_sticker_refund"), ("online", "utter_bulky_cancel_refund_unpaid")]
)
def test_a_question_about_the_fee_before_cancelling_is_answered(say, engine, payment, response):
    to_confirmation(say, payment, payment=payment)
    say("/general_affirm", sender=payment)
    say("予約を取り消したい", sender=payment)
    reply = say("返金はされますか？", sender=payment)
    assert reply[0]["text"] == response_text(engine, response, total="3,000円") and "取り消します" in reply[-1]["text"]
    assert slots(engine, payment)["requested_slot"] == "manage_cancel_confirmed"
