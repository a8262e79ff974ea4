"""Garbage actions: what kind of garbage an item is, and the collection days of the citizen's area.

Thin adapters over services.garbage: they read the tracker, ask the cached index (built once per process and
rebuilt when staff change the data) and send the responses that services.garbage.answers chooses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.clock import now
from services.common import settings

from . import answers
from .lookup import Match
from .service import GarbageService, get_service

AREA_SLOT = "garbage_area"
AREA_FORM = "garbage_area_form"
# A message this short that names a known item is a question about that item, whatever the classifier said.
BARE_ITEM_MAX_CHARS = 20


def garbage_service() -> GarbageService:
    s = settings()
    return get_service(s.database_url, s.data_dir)


def city_today() -> date:
    return now(settings()).date()


def send_replies(dispatcher: CollectingDispatcher, replies: list[answers.Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(response=reply.response, buttons=reply.buttons or None, **reply.values)


def _is_payload(text: str) -> bool:
    return text.startswith("/")


def _question(event: dict[str, Any]) -> str:
    """A user event's text if it asks about collection days in the citizen's own words (not a button)."""
    text: str = event.get("text") or ""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return text if intent == answers.AREA_INTENT and not _is_payload(text) else ""


def collection_question(tracker: Tracker) -> str:
    """The question to answer: the latest message, or, when it answered the area form, the one that started it."""
    events = tracker.events
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return ""
    latest = users[-1]
    loops = [i for i, e in enumerate(events[:latest]) if e.get("event") == "active_loop"]
    if loops and events[loops[-1]].get("name") == AREA_FORM:
        asked = [i for i in users if i < loops[-1]]
        return _question(events[asked[-1]]) if asked else ""
    return _question(events[latest])


def names_an_item(tracker: Tracker) -> bool:
    """「フライパン」 alone: a short message that is (nearly) just an item name in the city's data."""
    text: str = (tracker.latest_message.get("text") or "").strip()
    if not text or _is_payload(text) or len(text) > BARE_ITEM_MAX_CHARS:
        return False
    match = garbage_service().snapshot().index.lookup(text)
    return match.kind != "none" and match.how in ("exact", "fuzzy")


class ActionGarbageLookup(Action):
    def name(self) -> str:
        return "action_garbage_lookup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = garbage_service()
        snap = service.snapshot()
        text = tracker.latest_message.get("text") or ""
        entity = next(tracker.get_latest_entity_values("garbage_item"), None)
        if _is_payload(text):  # a button carries the exact item name
            named = snap.index.named(entity or "")
            match = Match("item", entity or "", named) if named else snap.index.lookup(entity or "")
        else:
            match = snap.index.lookup(text)
            if entity and match.how != "exact":  # the NLU's entity beats a guess from the text
                by_entity = snap.index.lookup(entity)
                match = by_entity if by_entity.how == "exact" else match
        if match.kind == "none" and match.query:
            service.log_miss(match.query, [e.name for e in match.items])
        area = snap.areas.named(tracker.get_slot(AREA_SLOT) or "")
        send_replies(
            dispatcher, answers.match_replies(match, snap.index, service.config, snap.areas, area, city_today())
        )
        return []


class ActionCollectionSchedule(Action):
    """Answers from the area in the slot or named in the question; without one, the area form asks first."""

    def name(self) -> str:
        return "action_collection_schedule"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = garbage_service()
        snap = service.snapshot()
        config = service.config
        question = collection_question(tracker)
        named = snap.areas.match(question, in_sentence=True).area if question else None
        area = named or snap.areas.named(tracker.get_slot(AREA_SLOT) or "")
        if area is None:
            if not len(snap.areas):
                send_replies(dispatcher, answers.ask_area_replies(snap.areas, config))
                return []
            # Clear a value that names no area (the data changed), or the form would think it is answered.
            return [SlotSet(AREA_SLOT, None), FollowupAction(AREA_FORM)]
        category = answers.detect_category(question, config, snap.index) if question else None
        send_replies(dispatcher, answers.schedule_replies(area, category, config, city_today()))
        return [SlotSet(AREA_SLOT, area.name)]


class ActionAskGarbageArea(Action):
    """The area form's question: every area as a button when there are few, else a request to type it."""

    def name(self) -> str:
        return "action_ask_garbage_area"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = garbage_service()
        send_replies(dispatcher, answers.ask_area_replies(service.snapshot().areas, service.config))
        return []


class ValidateGarbageAreaForm(FormValidationAction):
    def name(self) -> str:
        return "validate_garbage_area_form"

    def validate_garbage_area(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        match = garbage_service().snapshot().areas.match(text)
        if match.area:
            return {AREA_SLOT: match.area.name}
        send_replies(dispatcher, answers.area_rejected_replies(text, match.candidates))
        return {AREA_SLOT: None}
