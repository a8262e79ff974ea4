"""What the bot says when it is unsure: likely topics as buttons, how to reach a person, and handoff."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.payload import encode_payload
from services.common import previous_turn_actions, settings
from services.faq import index as faq_index
from services.garbage.actions import garbage_service, names_an_item
from services.garbage.lookup import gets_rid_of
from services.general.forms import just_finished

ITEM_LOOKUP = "action_garbage_lookup"

MAX_CANDIDATES = 3
BARE_ITEM_EXTRA_CHARS = 3  # what an out-of-scope message may add to an item's name and still be just that item
NOT_TOPICS = ("general_", "nlu_fallback")


def candidate_buttons(ranking: list[dict[str, Any]], topics: dict[str, str]) -> list[dict[str, str]]:
    buttons: list[dict[str, str]] = []
    for item in ranking:
        name = item.get("name") or ""
        if name.startswith(NOT_TOPICS) or name not in topics:
            continue
        buttons.append({"title": topics[name], "payload": encode_payload(name)})
        if len(buttons) == MAX_CANDIDATES:
            break
    return buttons


class ActionNluFallback(Action):
    def name(self) -> str:
        return "action_nlu_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if names_an_item(tracker):
            return [FollowupAction(ITEM_LOOKUP)]
        if "action_nlu_fallback" in previous_turn_actions(tracker):
            dispatcher.utter_message(response="utter_fallback_handoff")
            return []
        topics = faq_index.load(settings().data_dir).topics
        buttons = candidate_buttons(tracker.latest_message.get("intent_ranking") or [], topics)
        response = "utter_fallback_candidates" if buttons else "utter_fallback_no_candidates"
        dispatcher.utter_message(response=response, buttons=buttons)
        return []


def about_an_item(tracker: Tracker) -> bool:
    """The message is just an item of the city's garbage list, perhaps with a short word before it (「古い自転車」),
    or names one and asks how to get rid of it (「金属製の駐車場ポールの出し方」). A question that merely
    contains one (「パスポートを申請したい」, 「近くのコンビニはどこ」) is another service's, not a sorting question."""
    text = (tracker.latest_message.get("text") or "").strip().rstrip("?？。!！")
    if not text or text.startswith("/"):
        return False
    match = garbage_service().snapshot().index.lookup(text)
    # the thing to get rid of is the item, not a word before it (「ペットが死んだので処分したい」 is no ペットボトル)
    if match.kind != "none" and match.how == "exact" and gets_rid_of(text, match.query):
        return True
    # a message that is just the name, perhaps with a word before it; 「市民プールは何時から」 asks something else,
    # and a word that only begins a name, another thing (「ペット」「ペットの火葬」 are no ペットボトル)
    bare = len(text) - len(match.query) <= BARE_ITEM_EXTRA_CHARS
    return match.how in ("exact", "fuzzy") and bare and not match.clipped


class ActionOutOfScope(Action):
    """Out of scope, unless the message is about something to throw away."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if about_an_item(tracker):
            return [FollowupAction(ITEM_LOOKUP)]
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_handoff")
        return []


class ActionGreet(Action):
    """A greeting: who the bot is, outside a procedure; at a form's question, a short one (its question follows,
    and the topics' buttons, which the greeting would promise, are not shown there)."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        in_form = bool((tracker.active_loop or {}).get("name"))
        dispatcher.utter_message(response="utter_greet_in_form" if in_form else "utter_greet")
        return []


class ActionCapabilities(Action):
    def name(self) -> str:
        return "action_capabilities"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # A greeting at a form's question gets the greeting only: the form asks its question again right after.
        if (tracker.active_loop or {}).get("name") and tracker.get_intent_of_latest_message() == "general_greet":
            return []
        index = faq_index.load(settings().data_dir)
        buttons: list[dict[str, str]] = []
        for info in index.domains.values():
            first = next(iter(info["topics"].items()), None)
            if first:
                buttons.append({"title": info["title"], "payload": encode_payload(first[0])})
        dispatcher.utter_message(response="utter_capabilities", buttons=buttons)
        return []


class ActionYesNoWithoutQuestion(Action):
    """A yes or a no while no question is open. Right after a procedure finished it is its last button tapped again
    (「この内容で申し込む」 once the booking is made): the procedure is done already. Otherwise a yes gets what
    the bot can do, a no an acknowledgement."""

    def name(self) -> str:
        return "action_yes_no_without_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if just_finished(tracker, domain):
            dispatcher.utter_message(response="utter_procedure_already_done")
            return []
        if tracker.get_intent_of_latest_message() == "general_affirm":
            return await ActionCapabilities().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_acknowledge")
        return []
