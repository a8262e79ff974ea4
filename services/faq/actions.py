"""Answers from the FAQ content: the best entry within the classified intent, with related topics as buttons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.payload import encode_payload
from services.common import profile, settings
from services.garbage.actions import asks_about_an_item

from . import index as faq_index

MAX_RELATED = 4
NOT_SORTING = {"garbage_illegal_dumping"}  # garbage topics whose questions name items without asking their sorting


def answer_message(index: faq_index.FaqIndex, entry: faq_index.Entry, city: dict[str, Any]) -> dict[str, Any]:
    """The dispatcher message of an entry: its response, the answer and source filled in, related topics as buttons."""
    source = faq_index.render_source(entry, city)
    buttons = [
        {"title": index.entries[r].title, "payload": encode_payload(index.entries[r].intent, faq_id=r)}
        for r in entry.related
        if r in index.entries
    ][:MAX_RELATED]
    return {
        "response": "utter_faq_answer_with_source" if source else "utter_faq_answer",
        "answer": faq_index.render_answer(entry, city),
        "source": source,
        "buttons": buttons,
    }


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        index = faq_index.load(settings().data_dir)
        wanted = tracker.get_slot("faq_id")
        entry = index.entries.get(wanted) if wanted else None
        if entry is None:
            intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
            text = tracker.latest_message.get("text") or ""
            # An item is answered first from the city's own sorting data (its category, fee and day); on a topic's
            # question (「乾電池の出し方」) the topic's entry follows, once the lookup hands back with it chosen. A
            # question about dumping or burning (「庭で落ち葉を燃やしてもいい？」) asks about that, whatever it names.
            if intent.startswith("garbage_") and intent not in NOT_SORTING and asks_about_an_item(tracker):
                topic = index.best(intent, text)
                return [SlotSet("faq_id", topic.id if topic else None), FollowupAction("action_garbage_lookup")]
            entry = index.best(intent, text)
        if entry is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("faq_id", None)]
        dispatcher.utter_message(**answer_message(index, entry, profile()))
        return [SlotSet("faq_id", None)]
