"""Leaving a form: 「やめる」 or 「キャンセル」 ends whatever procedure is under way and forgets its answers."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class ActionCancelForm(Action):
    def name(self) -> str:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        loop = (tracker.active_loop or {}).get("name")
        if not loop:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
            return []
        required = ((domain.get("forms") or {}).get(loop) or {}).get("required_slots") or []
        dispatcher.utter_message(response="utter_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *(SlotSet(s, None) for s in required)]
