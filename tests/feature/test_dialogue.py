"""Dialogue semantics on the real engine: rules, fallback, forms, responses, sessions (on the fixture city)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk import Action, FormValidationAction

from bot.city import contact
from bot.dialogue.responses import Responder, choose_variation
from bot.domain import Domain, Slot
from services.faq import index as faq_index
from tests.conftest import response_text

pytestmark = pytest.mark.fixture_city


def actions_of(engine, sender):
    return list(engine.store.turns(sender)[-1]["actions"])


def test_greeting_rule_runs_its_actions_in_order(say, engine):
    replies = say("こんにちは", sender="g")
    assert actions_of(engine, "g") == ["action_greet", "action_capabilities"]
    assert replies[0]["text"] == response_text(engine, "utter_greet") and replies[1]["buttons"]
    assert engine.profile()["city"]["name"] in replies[0]["text"]


def test_fallback_offers_candidates_and_a_person_then_handoff(say, engine):
    first = say("児童手当と住民票", sender="f")  # two topics at once: ambiguous
    assert actions_of(engine, "f") == ["action_nlu_fallback"]
    text = first[0]["text"]
    office = contact(engine.profile())
    assert office["phone"] in text and office["hours"] in text  # contact from the city profile
    assert text == response_text(engine, "utter_fallback_candidates")
    titles = [b["title"] for b in first[0]["buttons"]]
    topics = faq_index.load(engine.settings.data_dir).topics
    assert 2 <= len(titles) <= 3
    assert {topics["childcare_child_allowance"], topics["certificates_residence_record"]} <= set(titles)
    second = say("国保と児童手当と住民票のこと", sender="f")
    assert second[0]["text"] == response_text(engine, "utter_fallback_handoff")
    assert second[0]["buttons"][0]["payload"] == "/general_handoff"


def test_cancel_without_a_form_says_there_is_nothing_to_cancel(say, engine):
    assert say("キャンセル", sender="c")[0]["text"] == response_text(engine, "utter_nothing_to_cancel")


@pytest.mark.parametrize("text", ["戻る", "前に戻って"])
def test_back_without_a_form_says_there_is_nothing_to_leave(say, engine, text):
    """Not declined as out of scope: as 「やめる」 there (a form goes back a question instead: test_form_stories)."""
    assert [m["text"] for m in say(text, sender=f"b-{text}")] == [response_text(engine, "utter_nothing_to_cancel")]


def test_response_variations_by_language_slot_and_channel():
    variations = [
        {"text": "既定"},
        {"text": "LINE", "channel": "line"},
        {"text": "English", "condition": [{"type": "slot", "name": "language", "value": "en"}]},
    ]
    assert choose_variation(variations, {"language": "ja"}, "rest")["text"] == "既定"
    assert choose_variation(variations, {"language": "ja"}, "line")["text"] == "LINE"
    assert choose_variation(variations, {"language": "en"}, "rest")["text"] == "English"
    responder = Responder(
        {"utter_x": [{"text": "{city_name}の{offices.citizens.name}、{name}様"}]},
        lambda: {
            "city": {"name": "さくら市"},
            "offices": {"general": {"name": "案内"}, "citizens": {"name": "市民課"}},
        },
    )
    assert responder.render("utter_x", {"name": "山田"}, "rest")["text"] == "さくら市の市民課、山田様"


def test_session_expires_after_inactivity(say, engine):
    say("こんにちは", sender="s")
    state, _, _ = engine.store.load("s")
    assert state["session_id"] == 1
    start = engine.now()
    engine.now = lambda: start + timedelta(minutes=engine.agent.domain.session_expiration_minutes + 1)
    say("住民票がほしい", sender="s")
    state, _, _ = engine.store.load("s")
    assert state["session_id"] == 2
    assert engine.store.turns("s")[-1]["session_id"] == 2


class ValidateContactForm(FormValidationAction):
    """A small real rasa_sdk validator, registered only for this test."""

    def name(self):
        return "validate_contact_form"

    def validate_phone(self, value, dispatcher, tracker, domain):
        digits = "".join(ch for ch in str(value) if ch.isdigit())
        if len(digits) in (10, 11) and digits.startswith("0"):
            return {"phone": digits}
        dispatcher.utter_message(text="電話番号の形式が正しくありません。")
        return {"phone": None}


def contact_form_engine(engine):
    """The city's model plus a two-slot form; the real processor, rules and rasa_sdk executor run it."""
    from bot.dialogue.processor import Processor
    from bot.dialogue.rules import RulePolicy
    from bot.training_data import Rule

    domain = engine.agent.domain
    domain = Domain(**domain.__dict__)
    domain.slots = dict(domain.slots)
    domain.responses = dict(domain.responses)
    domain.forms = {"contact_form": ["name", "phone"]}
    domain.slots["name"] = Slot(
        "name",
        "text",
        mappings=[
            {
                "type": "from_text",
                "not_intent": "general_cancel",
                "conditions": [{"active_loop": "contact_form", "requested_slot": "name"}],
            }
        ],
    )
    domain.slots["phone"] = Slot(
        "phone",
        "text",
        mappings=[
            {"type": "from_entity", "entity": "phone_number"},
            {"type": "from_text", "not_intent": "general_cancel"},
        ],
    )
    domain.responses.update(
        {
            "utter_ask_name": [{"text": "お名前を教えてください。"}],
            "utter_ask_phone": [{"text": "電話番号を教えてください。"}],
            "utter_done": [{"text": "{name}様、{phone}で受け付けました。"}],
        }
    )
    rules = [  # first, so they win the tie with the domain's own handoff rule
        Rule("start", [{"intent": "general_handoff"}, {"action": "contact_form"}, {"active_loop": "contact_form"}]),
        Rule(
            "submit",
            [{"action": "contact_form"}, {"active_loop": None}, {"action": "utter_done"}],
            condition=[{"active_loop": "contact_form"}],
        ),
        *engine.agent.model.rules,
    ]
    engine.executor.executor.register_action(ValidateContactForm)
    agent = engine.agent
    agent.domain = domain
    agent.model.domain = domain
    agent.responder = Responder(domain.responses, engine.profile)
    agent.processor = Processor(domain, RulePolicy(rules), engine.executor, agent.responder, "action_nlu_fallback")
    return engine


def test_form_asks_validates_reasks_and_submits(say, engine):
    contact_form_engine(engine)
    assert say("担当の人と話したいです", sender="fm")[0]["text"] == "お名前を教えてください。"
    assert say("山田花子", sender="fm")[0]["text"] == "電話番号を教えてください。"
    bad = say("12345", sender="fm")
    assert [m["text"] for m in bad] == ["電話番号の形式が正しくありません。", "電話番号を教えてください。"]
    state, _, _ = engine.store.load("fm")
    assert state["slots"]["name"] == "山田花子"  # the filled slot survives the bad answer
    done = say("090-1234-5678です", sender="fm")
    assert done[-1]["text"] == "山田花子様、09012345678で受け付けました。"
    state, _, _ = engine.store.load("fm")
    assert state["active_loop"] is None


def test_form_can_be_left_with_yameru(say, engine):
    contact_form_engine(engine)
    say("担当の人と話したいです", sender="fx")
    say("山田花子", sender="fx")
    replies = say("やめる", sender="fx")
    assert replies[0]["text"] == response_text(engine, "utter_cancelled")
    state, _, _ = engine.store.load("fx")
    assert state["active_loop"] is None and state["slots"]["name"] is None


def test_warm_up_builds_caches_without_storing_anything(engine):
    assert engine.warm_up() > 5
    assert engine.store.turns("warm-up") == [] and engine.store.load("warm-up")[0] is None


def test_the_demo_domain_greets_line_users_in_their_own_words(engine):
    rest = engine.handle_message("v1", "こんにちは", channel="rest")[0]["text"]
    line = engine.handle_message("v2", "こんにちは", channel="line")[0]["text"]
    assert line == response_text(engine, "utter_greet", channel="line") and "LINE" in line
    assert rest == response_text(engine, "utter_greet") and "LINE" not in rest


class ActionShowCard(Action):
    """Sends a named response with everything rasa_sdk's dispatcher can carry, registered only for this test."""

    def name(self):
        return "action_show_card"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(
            response="utter_card",
            number="SD-1",
            image="https://example.jp/map.png",
            buttons=[{"title": "次へ", "payload": "/general_affirm"}],
            json_message={"type": "summary", "rows": [["受付番号", "SD-1"]]},
        )
        return []


def test_a_named_response_keeps_the_actions_buttons_json_message_and_extras(engine):
    from bot.dialogue.processor import Processor
    from bot.dialogue.rules import RulePolicy
    from bot.training_data import Rule

    agent = engine.agent
    responses = {
        **agent.domain.responses,
        "utter_card": [
            {"text": "受付番号 {number}（{city_name}）", "buttons": [{"title": "戻る", "payload": "/general_deny"}]}
        ],
    }
    engine.executor.executor.register_action(ActionShowCard)
    agent.responder = Responder(responses, engine.profile)
    agent.processor = Processor(
        agent.domain,
        RulePolicy([Rule("card", [{"intent": "general_greet"}, {"action": "action_show_card"}])]),
        engine.executor,
        agent.responder,
        "action_nlu_fallback",
    )
    (message,) = engine.handle_message("card", "/general_greet")
    city = engine.profile()["city"]["name"]
    assert message["text"] == f"受付番号 SD-1（{city}）"  # the values fill the response, as Rasa's do
    assert message["buttons"] == [
        {"title": "戻る", "payload": "/general_deny"},
        {"title": "次へ", "payload": "/general_affirm"},
    ]
    assert message["custom"] == {"type": "summary", "rows": [["受付番号", "SD-1"]]}
    assert message["image"] == "https://example.jp/map.png"
    assert "number" not in message and "json_message" not in message
