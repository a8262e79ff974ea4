"""The garbage actions through rasa_sdk's Tracker and CollectingDispatcher, replies rendered from domain.yml."""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.city import load_city
from bot.dialogue.responses import Responder
from bot.domain import Domain
from bot.store.db import session_factory
from services import common
from services.faq.actions import ActionAnswerFaq
from services.garbage.actions import (
    ActionAskGarbageArea,
    ActionCollectionSchedule,
    ActionGarbageLookup,
    ValidateGarbageAreaForm,
)
from services.garbage.models import GarbageMiss
from services.general.actions import ActionOutOfScope
from tests.support.garbage_support import demo_settings

OFFICE_PHONE = "099-100-3333"  # offices.garbage.phone of the demo city


@pytest.fixture
def env(demo_settings, monkeypatch):
    monkeypatch.setenv("BOT_DATABASE_URL", demo_settings.database_url)
    monkeypatch.setenv("BOT_FIXED_NOW", demo_settings.fixed_now.isoformat())  # Friday 2026-11-20
    return demo_settings


@pytest.fixture(scope="module")
def domain(demo_settings):
    return Domain.load(demo_settings.domain_file)


def user(text: str, intent: str, entities: list | None = None) -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
    }


def run(action, domain, text, intent, entities=None, slots=None, history=()):
    """Run `action` after the user said `text`; returns (messages as the citizen sees them, events)."""
    latest = user(text, intent, entities)
    tracker = Tracker(
        "tester",
        {"garbage_area": None, **(slots or {})},
        latest["parse_data"],
        [*history, latest],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain.as_sdk_dict())
    events = asyncio.run(events) if asyncio.iscoroutine(events) else events
    return render(domain, dispatcher.messages), events


def render(domain, messages):
    responder = Responder(domain.responses, lambda: load_city(common.settings().data_dir))
    out = []
    for m in messages:
        extra = {k: v for k, v in m.items() if k not in ("response", "buttons", "text") and isinstance(v, str)}
        shown = responder.render(m["response"], {}, "rest", extra)
        assert shown is not None, f"{m['response']} is not in domain.yml"
        assert "{" not in shown["text"], shown["text"]  # every placeholder filled
        buttons = (shown.get("buttons") or []) + (m.get("buttons") or [])  # the response's, then the action's
        out.append({"response": m["response"], "text": shown["text"], "buttons": buttons})
    return out


def texts(messages):
    return "\n".join(m["text"] for m in messages)


def test_item_answer_gives_category_notes_and_where_to_ask(env, domain):
    messages, events = run(ActionGarbageLookup(), domain, "スプレー缶は何ごみ？", "garbage_sort_item")
    assert events == []
    assert messages[0]["text"].startswith("「スプレー缶」は「資源ごみ」です。") and "穴をあける" in messages[0]["text"]
    assert OFFICE_PHONE in messages[-1]["text"]


def test_item_answer_adds_the_collection_day_when_the_area_is_known(env, domain):
    messages, _ = run(ActionGarbageLookup(), domain, "ｽﾌﾟﾚｰ缶", "garbage_sort_item", slots={"garbage_area": "浅野"})
    assert "浅野の資源ごみの収集日は第1・第3火曜日です。次回は12月1日(火)です。" in texts(messages)
    # a category collected on another one's day says so
    messages, _ = run(
        ActionGarbageLookup(), domain, "殺虫剤（スプレー缶）", "garbage_sort_item", slots={"garbage_area": "浅野"}
    )
    assert "有害ごみは、浅野の資源ごみの収集日（第1・第3火曜日）に出してください。" in texts(messages)


def responses(messages):
    return [m["response"] for m in messages]


def test_items_the_city_does_not_collect_say_so_and_bulky_items_offer_a_booking(env, domain):
    messages, _ = run(ActionGarbageLookup(), domain, "エアコン", "garbage_sort_item", slots={"garbage_area": "浅野"})
    assert "家電リサイクル対象品" in texts(messages)
    assert responses(messages)[1:] == ["utter_garbage_not_collected", "utter_garbage_contact"]
    payload = '/garbage_sort_item{"garbage_item":"ソファー（７０㎝を超えるもの）"}'
    messages, events = run(
        ActionGarbageLookup(),
        domain,
        payload,
        "garbage_sort_item",
        [{"entity": "garbage_item", "value": "ソファー（７０㎝を超えるもの）"}],
    )
    shown = texts(messages)
    assert "「粗大ごみ」" in shown and "1,000円" in shown and "099-100-3344" in shown  # the bulky office
    assert responses(messages) == [
        "utter_garbage_item_notes",
        "utter_garbage_bulky_fee",
        "utter_garbage_on_request",
        "utter_garbage_contact",
    ]
    booking = messages[2]["buttons"]  # offered, not started: the action sets no form going
    assert [b["payload"] for b in booking] == ["/garbage_bulky_booking"] and events == []


def test_several_matches_become_buttons_that_answer_exactly(env, domain):
    messages, _ = run(ActionGarbageLookup(), domain, "傘立ては何ごみ？", "garbage_sort_item")
    buttons = messages[0]["buttons"]
    assert "「傘立て」に当てはまる品目がいくつかあります" in messages[0]["text"] and len(buttons) == 3
    chosen = buttons[0]
    name = json.loads(chosen["payload"].split("garbage_sort_item", 1)[1])["garbage_item"]
    assert chosen["payload"].startswith("/garbage_sort_item{") and chosen["title"] == name
    messages, _ = run(
        ActionGarbageLookup(),
        domain,
        chosen["payload"],
        "garbage_sort_item",
        [{"entity": "garbage_item", "value": name}],
    )
    assert messages[0]["text"].startswith(f"「{name}」は「") and not messages[0]["buttons"]


def test_unknown_items_are_admitted_suggested_and_logged(env, domain):
    messages, _ = run(ActionGarbageLookup(), domain, "フライパソは何ごみ？", "garbage_sort_item")
    assert "「フライパソ」は分別の一覧に見つかりませんでした" in messages[0]["text"]
    assert messages[0]["buttons"][0]["title"] == "フライパン"
    messages, _ = run(ActionGarbageLookup(), domain, "ぴかぴか星人を捨てたい", "garbage_sort_item")
    assert "見つかりませんでした" in messages[0]["text"] and OFFICE_PHONE in messages[-1]["text"]
    with session_factory(env.database_url)() as s:
        logged = [m.query for m in s.scalars(select(GarbageMiss))]
    assert {"フライパソ", "ぴかぴか星人"} <= set(logged)
    assert all("何ごみ" not in q for q in logged)  # only the item phrase is kept


def test_the_entity_helps_when_the_text_alone_does_not(env, domain):
    messages, _ = run(
        ActionGarbageLookup(),
        domain,
        "これ何ごみ？あのフライパンの",
        "garbage_sort_item",
        [{"entity": "garbage_item", "value": "フライパン"}],
    )
    assert messages[0]["text"].startswith("「フライパン」は「燃やさないごみ」です")


def test_schedule_for_the_remembered_area(env, domain):
    messages, events = run(
        ActionCollectionSchedule(),
        domain,
        "次の燃やすごみの日は？",
        "garbage_collection_day",
        slots={"garbage_area": "浅野"},
    )
    assert messages[0]["text"] == "浅野の燃やすごみの収集日は毎週月曜日・木曜日です。次回は11月23日(月)です。"
    assert events == [SlotSet("garbage_area", "浅野")]
    messages, _ = run(
        ActionCollectionSchedule(),
        domain,
        "うちの地区のごみの日は？",
        "garbage_collection_day",
        slots={"garbage_area": "浅野"},
    )
    assert messages[0]["text"].splitlines() == [
        "浅野の収集日は次のとおりです。",
        "・燃やすごみ：毎週月曜日・木曜日（次回 11月23日(月)）",
        "・燃やさないごみ：第2水曜日（次回 12月9日(水)）",
        "・資源ごみ：第1・第3火曜日（次回 12月1日(火)）",
        "・びん：第4水曜日（次回 11月25日(水)）",
    ]
    assert OFFICE_PHONE in messages[-1]["text"]


def test_an_area_named_in_the_question_wins_and_is_remembered(env, domain):
    messages, events = run(
        ActionCollectionSchedule(),
        domain,
        "浅野川の燃えないごみはいつ？",
        "garbage_collection_day",
        slots={"garbage_area": "浅野"},
    )
    assert messages[0]["text"].startswith("浅野川の燃やさないごみの収集日は第4水曜日です。")
    assert events == [SlotSet("garbage_area", "浅野川")]


def test_an_item_in_a_collection_question_gives_its_category_day(env, domain):
    messages, _ = run(
        ActionCollectionSchedule(),
        domain,
        "ペットボトルは何曜日？",
        "garbage_collection_day",
        slots={"garbage_area": "浅野"},
    )
    assert messages[0]["text"].startswith("浅野の資源ごみの収集日は第1・第3火曜日です。")


def test_without_an_area_the_form_asks_and_the_answer_keeps_the_question(env, domain):
    messages, events = run(ActionCollectionSchedule(), domain, "次の燃やすごみの日は？", "garbage_collection_day")
    assert messages == [] and events == [SlotSet("garbage_area", None), FollowupAction("garbage_area_form")]
    messages, _ = run(ActionAskGarbageArea(), domain, "次の燃やすごみの日は？", "garbage_collection_day")
    assert "お住まいの地区名を入力してください（例：" in messages[0]["text"]  # 71 areas: too many buttons
    # after the form: the area is in the slot, the question is the one that started the form
    history = [
        user("次の燃やすごみの日は？", "garbage_collection_day"),
        {"event": "action", "name": "action_collection_schedule"},
        {"event": "active_loop", "name": "garbage_area_form"},
        {"event": "slot", "name": "requested_slot", "value": "garbage_area"},
        user("ほげ", "nlu_fallback"),
    ]  # a first answer the form rejected
    messages, _ = run(
        ActionCollectionSchedule(),
        domain,
        "浅野川です",
        "garbage_collection_day",
        slots={"garbage_area": "浅野川"},
        history=history,
    )
    assert messages[0]["text"].startswith("浅野川の燃やすごみの収集日は毎週月曜日・木曜日です。")
    # a later button is a question of its own: all categories of the chosen area
    history += [user("浅野川です", "garbage_collection_day"), {"event": "active_loop", "name": None}]
    messages, _ = run(
        ActionCollectionSchedule(),
        domain,
        '/garbage_collection_day{"garbage_area":"朝日"}',
        "garbage_collection_day",
        [{"entity": "garbage_area", "value": "朝日"}],
        slots={"garbage_area": "朝日"},
        history=history,
    )
    assert messages[0]["text"].startswith("朝日の収集日は次のとおりです。")


def test_the_area_form_accepts_fuzzy_answers_and_rejects_politely(env, domain):
    def typed(text: str, intent: str = "nlu_fallback") -> Tracker:
        latest = user(text, intent)
        return Tracker("tester", {}, latest["parse_data"], [latest], False, None, {}, "action_listen")

    validator = ValidateGarbageAreaForm()
    for text, area in [("あさのがわ", "浅野川"), ("浅の川", "浅野川"), ("西です", "西")]:
        dispatcher = CollectingDispatcher()
        assert validator.validate_garbage_area(text, dispatcher, typed(text), {}) == {"garbage_area": area}
        assert dispatcher.messages == []
    dispatcher = CollectingDispatcher()
    assert validator.validate_garbage_area("ほげほげ", dispatcher, typed("ほげほげ"), {}) == {"garbage_area": None}
    assert "「ほげほげ」という地区が見つかりませんでした" in render(domain, dispatcher.messages)[0]["text"]
    question = typed("図書館は何時まで開いていますか", "general_out_of_scope")  # another service's: declined
    dispatcher = CollectingDispatcher()
    taken = validator.validate_garbage_area(question.latest_message["text"], dispatcher, question, {})
    assert taken == {"garbage_area": None, "requested_slot": "garbage_area"}
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"


def test_the_form_validator_runs_through_rasa_sdk(env, domain):
    latest = user("あさのがわ", "nlu_fallback")
    tracker = Tracker(
        "tester",
        {"garbage_area": "あさのがわ", "requested_slot": "garbage_area"},
        latest["parse_data"],
        [latest, {"event": "slot", "name": "garbage_area", "value": "あさのがわ"}],
        False,
        None,
        {"name": "garbage_area_form"},
        "action_listen",
    )
    events = asyncio.run(ValidateGarbageAreaForm().run(CollectingDispatcher(), tracker, domain.as_sdk_dict()))
    assert SlotSet("garbage_area", "浅野川") in events


def lookup(domain, text, intent="garbage_sort_item", slots=None):
    messages, events = run(ActionGarbageLookup(), domain, text, intent, slots=slots)
    assert events == []
    return messages


def answered(messages) -> list[str]:
    """The items answered with their own row (not offered as a choice), in order."""
    return [
        m["text"].split("」", 1)[0].lstrip("「")
        for m in messages
        if m["response"] in ("utter_garbage_item", "utter_garbage_item_notes")
    ]


def test_an_exact_name_answers_at_once_and_offers_its_variants_as_buttons(env, domain):
    for text, item, variants in [
        ("乾電池", "乾電池", {"乾電池（筒型）"}),
        ("空気清浄機は何ごみ？", "空気清浄機", {"空気清浄機（フロンガス使用）", "空気清浄機（フロンガス不使用）"}),
    ]:
        messages = lookup(domain, text)
        assert answered(messages) == [item], text
        offered = next(m for m in messages if m["response"] == "utter_garbage_item_variants")
        assert {b["title"] for b in offered["buttons"]} == variants
        assert "utter_garbage_choose_item" not in responses(messages)


def test_a_family_of_one_category_is_answered_and_its_other_names_offered(env, domain):
    messages = lookup(domain, "USBメモリ")  # inside two names of the same category
    assert answered(messages) == ["USBメモリなどの記録媒体"]
    offered = next(m for m in messages if m["response"] == "utter_garbage_item_variants")
    assert [b["title"] for b in offered["buttons"]] == ["メモリー類（ＳＤカード、ＵＳＢメモリなど）"]


def test_item_phrases_are_found_behind_trailing_clauses_verbs_and_conditions(env, domain):
    for text, item in [
        ("扇風機はサイズで出し方が変わりますか", "扇風機"),
        ("傘は材質によって分け方が違う？", "傘"),
        ("扇風機が壊れている場合は", "扇風機"),
        ("扇風機捨てたい", "扇風機"),
        ("せんぷうき捨てたい", "扇風機"),
        ("スマホを捨てたい", "携帯電話"),  # a synonym the city added in garbage_local.yml
        ("ヤクルトの容器", "乳酸菌飲料の容器・ふた（プラスチック製）"),
    ]:
        assert answered(lookup(domain, text)) == [item], text


def test_two_items_in_one_question_are_both_answered(env, domain):
    messages = lookup(domain, "空き缶とびんの出し方")
    assert answered(messages) == ["缶（飲料缶・缶詰）"]
    choose = next(m for m in messages if m["response"] == "utter_garbage_choose_item")
    assert all(b["title"].startswith("びん") for b in choose["buttons"])  # びん's variants differ in category
    assert answered(lookup(domain, "スプレー缶や乾電池は何ごみ")) == ["スプレー缶", "乾電池"]


def test_a_reading_alone_never_joins_two_kanji_spellings(env, domain):
    messages = lookup(domain, "不法投棄を通報したい")
    assert "陶器" not in texts(messages) and answered(messages) == []
    assert answered(lookup(domain, "とうき")) == ["陶器"]  # the reading typed as such still finds it


def test_a_desk_for_a_pc_is_a_desk(env, domain):
    messages = lookup(domain, "パソコン机", "garbage_pc_recycling")
    assert responses(messages)[0] == "utter_garbage_choose_item"
    assert all(b["title"].startswith("パソコン机") for b in messages[0]["buttons"])


def test_an_unknown_item_gets_an_honest_reply_with_close_names(env, domain):
    messages = lookup(domain, "ふらいぱそを捨てたい")
    assert responses(messages)[0] == "utter_garbage_item_near" and "ふらいぱそ" in messages[0]["text"]
    assert "フライパン" in [b["title"] for b in messages[0]["buttons"]]


def test_collection_days_are_never_denied_without_a_calendar(env, domain):
    # 古紙・古布 come from Tsu's list; the demo's calendar (Kanazawa's) has no day for them: say where to look
    messages = lookup(domain, "Ｔシャツは何ごみ", slots={"garbage_area": "浅野"})
    assert responses(messages) == ["utter_garbage_item", "utter_garbage_days_elsewhere", "utter_garbage_contact"]
    assert load_city(env.data_dir)["urls"]["garbage"] in messages[1]["text"]


def test_each_category_is_described_as_city_yml_says_it_is_collected(env, domain):
    for text, said in [
        ("殺虫剤（スプレー缶）", "utter_garbage_category_day_with"),  # 有害ごみ goes out on 資源ごみ's day
        ("フライパン", "utter_garbage_category_day"),  # schedule, with the area's calendar
        ("ソファ", "utter_garbage_on_request"),  # request: a booking is offered
        ("パソコン", "utter_garbage_collection_point"),  # 小型家電: collection points
        ("エアコン", "utter_garbage_not_collected"),  # none
    ]:
        assert said in responses(lookup(domain, text, slots={"garbage_area": "浅野"})), text


def test_the_variant_the_question_describes_is_answered_and_its_kin_offered(env, domain):
    # issue 12's trial adoption of Tsu: the citizen named the material, so no choice is asked for
    for text, item in [
        ("金属入りのサポーターを捨てたい", "サポーター（金属入り）"),
        ("金属のちりとりは何ごみ？", "ちりとり（金属製）"),
        ("プラスチックの箸置きを捨てたいです", "箸置き（プラスチック製）"),
        ("陶器のレンゲってどうやって捨てるの", "レンゲ（陶器製）"),
        ("飲み薬のびんの出し方", "薬びん(飲み薬）"),
    ]:
        messages = lookup(domain, text)
        assert answered(messages) == [item], text
        assert "utter_garbage_choose_item" not in responses(messages), text
    offered = next(m for m in lookup(domain, "金属のちりとり") if m["response"] == "utter_garbage_item_variants")
    assert "ちりとり(プラスチック製)" in {b["title"] for b in offered["buttons"]}
    messages = lookup(domain, "灯油ポンプを処分したい")  # nothing tells hand from battery: the citizen chooses
    assert responses(messages)[0] == "utter_garbage_choose_item" and answered(messages) == []


def test_out_of_scope_answers_a_disposal_question_about_a_listed_item(env, domain):
    text = "金属製の駐車場ポールの出し方"  # read as out of scope (0.58) in the trial
    messages, events = run(ActionOutOfScope(), domain, text, "general_out_of_scope")
    assert messages == [] and events == [FollowupAction("action_garbage_lookup")]
    assert answered(lookup(domain, text, "general_out_of_scope")) == ["駐車場ポール（金属製）"]
    # item-like words in other services' questions, or before the thing to get rid of (no ペットボトル here)
    for other in ("近くのコンビニはどこ", "パスポートを申請したい", "婚姻届の出し方", "ペットが死んだので処分したい"):
        messages, events = run(ActionOutOfScope(), domain, other, "general_out_of_scope")
        assert responses(messages) == ["utter_out_of_scope"] and events == [], other


def test_a_word_that_only_begins_an_item_name_names_it_only_when_thrown_away(env, domain):
    """ペット is the demo city's other name of ペットボトル (garbage_local.yml), but only its beginning: alone it is an
    animal. It is the bottle in a question about getting rid of it, and another thing otherwise (outsider walk)."""
    for text in ("ペットの出し方", "ペットは何ごみ？", "ぺっとを捨てたい"):
        assert answered(lookup(domain, text)) == ["ペットボトル"], text
    # read as out of scope: declined, not sorted
    for text in ("ペット", "ペットの火葬"):
        messages, events = run(ActionOutOfScope(), domain, text, "general_out_of_scope")
        assert responses(messages) == ["utter_out_of_scope"] and events == [], text
    # read as a sorting question: the lookup hands over to the out-of-scope answer
    messages, events = run(ActionGarbageLookup(), domain, "ペットの火葬", "garbage_sort_item")
    assert messages == [] and events == [FollowupAction("action_out_of_scope")]
    # the NLU's entity ペット does not stand in for a name the text lacks
    pet = [{"entity": "garbage_item", "value": "ペット"}]
    messages, _ = run(ActionGarbageLookup(), domain, "ペット霊園", "garbage_sort_item", pet)
    assert answered(messages) == [] and responses(messages)[0] == "utter_garbage_item_near"
    # a topic's question about a dead pet gets the topic's entry alone, without the bottle's row first
    messages, events = run(ActionAnswerFaq(), domain, "ペットが死んだらどうすればいい", "garbage_special_cases")
    assert responses(messages) == ["utter_faq_answer_with_source"] and "ペットボトル" not in texts(messages)
    assert FollowupAction("action_garbage_lookup") not in events
