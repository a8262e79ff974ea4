"""FAQ answers: the right entry inside an intent, city values filled in, related topics as buttons."""

from __future__ import annotations

import json

import pytest

from bot import city
from bot.messages import render
from services.faq import index as faq_index
from services.faq.actions import answer_message
from tests.conftest import PROJECT_DIR


@pytest.fixture(scope="module")
def index():
    return faq_index.load(PROJECT_DIR / "data")


@pytest.mark.parametrize(
    "intent,text,expected",
    [
        ("certificates_residence_record", "住民票がほしい", "cert_juminhyo_window"),
        ("certificates_residence_record", "住民票を郵送で取り寄せたい", "cert_juminhyo_mail"),
        ("certificates_mynumber_card", "マイナンバーカードの暗証番号を忘れた", "cert_mynumber_pin"),
        ("certificates_mynumber_card", "マイナンバーカードをなくした", "cert_mynumber_lost"),
        ("taxes_payment_methods", "納付書をなくした", "tax_pay_lost_slip"),
        # issue 10: the question's specifics choose between entries of one intent
        ("certificates_mynumber_card", "マイナンバーカードを更新したい", "cert_mynumber_card_renewal"),
        ("certificates_mynumber_card", "マイナンバーカードを申請したい", "cert_mynumber_apply"),
        ("taxes_resident_tax", "住民税の払い方", "tax_resident_collection_types"),
        ("taxes_resident_tax", "住民税の計算方法を知りたい", "tax_resident_calc"),
        ("certificates_convenience_store", "住民票はコンビニで取れますか", "cert_convenience_overview"),
        ("certificates_convenience_store", "コンビニで住民票が取れないとき", "cert_convenience_trouble"),
        ("insurance_pension_exemption", "国民年金の保険料が払えないとき", "ins_pension_exemption"),
        ("insurance_pension", "国民年金の保険料の払い方", "ins_pension_payment"),
        ("taxes_property_tax", "固定資産税はいつまでに払えばいいですか", "tax_property_due"),
    ],
)
def test_best_entry_within_the_intent(index, intent, text, expected):
    assert index.best(intent, text).id == expected


def test_answer_fills_city_values_and_links_related_topics(index, settings):
    profile = city.load_city(PROJECT_DIR / "data")
    message = answer_message(index, index.entries["cert_juminhyo_window"], profile)
    text = render(settings, message["response"], answer=message["answer"], source=message["source"])
    assert "{" not in text and profile["offices"]["citizens"]["phone"] in text
    assert "https://www.city.sakura.example.jp/" in text
    assert 2 <= len(message["buttons"]) <= 4
    for button in message["buttons"]:
        intent, _, values = button["payload"][1:].partition("{")
        assert json.loads("{" + values)["faq_id"] in index.entries and intent in index.by_intent


def test_related_button_opens_exactly_that_entry(say, index):
    first = say("住民票がほしい", sender="rel")
    button = first[0]["buttons"][0]
    second = say(button["payload"], sender="rel")
    target = json.loads("{" + button["payload"].split("{", 1)[1])["faq_id"]
    profile = city.load_city(PROJECT_DIR / "data")
    assert second[0]["text"].startswith(faq_index.render_answer(index.entries[target], profile)[:40])


def test_a_question_about_burning_is_not_read_as_an_item_to_sort(say, demo_data, index):
    """「落ち葉」 is in the city's garbage list, but the citizen asks whether burning is allowed (issue 10)."""
    reply = say("庭で落ち葉を燃やしてもいい？", sender="burn")
    profile = city.load_city(PROJECT_DIR / "data")
    assert reply[0]["text"].startswith(faq_index.render_answer(index.entries["garbage_open_burning"], profile)[:40])


@pytest.mark.parametrize(
    "intent,text,expected",
    [
        # a bare topic word, in kana too (Sudachi cuts じゅうみんひょう into じゅう/見る/ひょう): the topic's main entry
        ("certificates_residence_record", "じゅうみんひょう", "cert_juminhyo_window"),
        ("certificates_residence_record", "住民票", "cert_juminhyo_window"),
        ("certificates_family_register", "こせき", "cert_koseki_window"),
        ("certificates_family_register", "戸籍", "cert_koseki_window"),
        ("certificates_mynumber_card", "まいなんばーかーど", "cert_mynumber_apply"),
        ("childcare_child_allowance", "じどうてあて", "child_allowance_overview"),
        ("insurance_nhi_premium", "こくほ", "ins_nhi_premium_calc"),
        ("insurance_nhi_enroll", "こくほ", "ins_nhi_enroll_retire"),
        # a kana word read back as the entries write it still lets the rest of the question choose
        ("certificates_residence_record", "じゅうみんひょうをゆうそうでとりよせたい", "cert_juminhyo_mail"),
    ],
)
def test_a_bare_topic_word_gets_the_topics_main_entry(index, intent, text, expected):
    assert index.best(intent, text).id == expected


@pytest.mark.parametrize(
    "text,entry",
    [
        ("じゅうみんひょう", "cert_juminhyo_window"),
        ("こせき", "cert_koseki_window"),
        ("じどうてあて", "child_allowance_overview"),
        # asking how to book is a question about booking, not the look-up of a booking (outsider walk)
        ("粗大ごみの予約はどうやるの", "garbage_bulky_how_to_apply"),
    ],
)
def test_kana_topic_words_and_how_to_book_get_their_main_answer(demo_data, say, index, text, entry):
    reply = say(text, sender=f"bare-{text}")
    profile = city.load_city(PROJECT_DIR / "data")
    assert reply[0]["text"].startswith(faq_index.render_answer(index.entries[entry], profile)[:40])


@pytest.mark.parametrize(
    "text", ["ソファーの手数料は？", "ソファーを粗大ごみで出すといくら", "タンスの粗大ごみの料金はいくらですか"]
)
def test_a_bulky_items_fee_is_answered_by_the_items_lookup(demo_data, say, engine, text):
    """「<item>の手数料は？」 is neither declined nor the general fee table: the item's answer names its fee."""
    assert engine.parse(text)["intent"]["name"] == "garbage_sort_item"
    reply = say(text, sender=f"fee-{text}")
    fee = engine.agent.responder.render("utter_garbage_bulky_fee", {"item": "@", "fee": "@"}, "rest")["text"]
    declined = engine.agent.responder.render("utter_out_of_scope", {}, "rest")["text"]
    texts = [m.get("text", "") for m in reply]
    assert declined not in texts
    assert any(fee.split("@")[1] in t for t in texts), (fee, texts)


@pytest.mark.parametrize(
    "first,second",
    [
        ("国保の保険料はいくら？", "住民税はいつ払う？"),
        ("住民票はどこで取れますか？あと", "粗大ごみの予約をしたい"),  # the second starts its procedure
    ],
)
def test_two_questions_in_one_message_get_both_answers_in_order(demo_data, say, first, second):
    alone = [r["text"] for q in (first, second) for r in say(q.removesuffix("あと"), sender=f"alone-{q}")]
    assert [r["text"] for r in say(first + second, sender=f"both-{first}")] == alone


@pytest.mark.parametrize(
    "text",
    [
        "4か月健診っていつ？予約いりますか",  # a follow-up that reads as another topic, not surely
        "1歳児の保育料いくら？所得で変わる？",
        "パスポートはどこで作れる？住民票は？",  # a part that is no topic: one message
    ],
)
def test_a_question_and_its_follow_up_stay_one_question(demo_data, say, engine, text):
    say(text, sender="follow")
    assert [e["text"] for e in engine.store.load("follow")[0]["events"] if e["event"] == "user"] == [text]


def test_a_question_with_its_context_is_one_question(demo_data, say, engine):
    say("引っ越しました。住民票はどうすれば？", sender="ctx")
    users = [e for e in engine.store.load("ctx")[0]["events"] if e["event"] == "user"]
    assert [e["text"] for e in users] == ["引っ越しました。住民票はどうすれば？"]
    say("国保の保険料はいくら？住民税はいつ払う？", sender="two")
    users = [e for e in engine.store.load("two")[0]["events"] if e["event"] == "user"]
    assert [e["text"] for e in users] == ["国保の保険料はいくら?", "住民税はいつ払う?"]  # one turn each
