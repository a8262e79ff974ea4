"""Garbage actions: what kind of garbage an item is, and the collection days of the citizen's area.

Thin adapters over services.garbage: they read the tracker, ask the cached index (built once per process and
rebuilt when staff change the data) and send the responses that services.garbage.answers chooses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.clock import now
from services.common import settings, this_turn_actions
from services.general.forms import LeavesOnBack, declined_out_of_scope, quit_buttons

from . import answers
from .areas import Area, Areas
from .collection import collection_kinds
from .lookup import Index, Match, asks_disposal, item_phrase
from .service import GarbageService, get_service
from .wording import Wording

AREA_SLOT = "garbage_area"
AREA_FORM = "garbage_area_form"
# A message this short that names a known item is a question about that item, whatever the classifier said.
BARE_ITEM_MAX_CHARS = 20
GARBAGE_INTENTS = "garbage_"
TOPIC_ANSWER = "action_answer_faq"
OUT_OF_SCOPE = "action_out_of_scope"
TOPIC_SLOT = "faq_id"
MIN_CONTAINED_CHARS = 3  # 「USBメモリ」 inside 「USBメモリなどの記録媒体」; shorter words sit inside too many names


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


def areas_named(areas: Areas, *texts: str) -> list[Area]:
    """The areas written side by side in the first of `texts` (the question, or the area form's answer) that
    names more than one; buttons name one."""
    for text in texts:
        several = areas.match(text, in_sentence=True).candidates if text and not _is_payload(text) else []
        if len(several) > 1:
            return several
    return []


def answer_context(service: GarbageService, domain: DomainDict) -> answers.Context:
    """The city's config, collection kinds, wording of days and areas, as of today."""
    return answers.Context(
        service.config,
        collection_kinds(service.data_dir),
        Wording.from_domain(domain, service.data_dir),
        service.snapshot().areas,
        city_today(),
    )


def names_an_item(tracker: Tracker) -> bool:
    """The message asks about an item of the city's list, so the item's own row answers, not a general answer:
    「フライパン」 alone (a short message that is nearly just an item name), a question whose whole item phrase is
    an item's name (「乾電池の捨て方」), or, when the classifier read a garbage question, one whose phrase begins
    with an item's name (「傘は材質によって…」). A word that only begins a name (ペット of ペットボトル) names
    it only in a question about getting rid of it (`Match.named_in`)."""
    text: str = (tracker.latest_message.get("text") or "").strip()
    if not text or _is_payload(text):
        return False
    index = garbage_service().snapshot().index
    garbage = ((tracker.latest_message.get("intent") or {}).get("name") or "").startswith(GARBAGE_INTENTS)
    phrase = item_phrase(text)
    if len(text) <= BARE_ITEM_MAX_CHARS:
        match = index.lookup(text)
        inside = match.how == "containing" and match.kind == "item" and len(match.query) >= MIN_CONTAINED_CHARS
        # Only a garbage question is about the item its sentence begins with: 「自転車が盗まれた」 is not.
        from_head = match.whole and match.query != phrase
        known = match.kind != "none" and (match.how in ("exact", "fuzzy") or inside) and match.named_in(text)
        if known and (garbage or not from_head):
            return True
    found = [m for m in index.lookup_all(text) if m.whole and m.kind != "none" and m.named_in(text)]
    # Whatever the classifier said, a message that is an item name with a garbage question's ending is one.
    return bool(found) and (garbage or found[0].query == phrase)


def asks_about_an_item(tracker: Tracker) -> bool:
    """A garbage topic's question about one item of the list, which its row answers beside the topic's entry: it
    asks how to get rid of the item (「乾電池の出し方」), or its whole phrase is the item (「スプレー缶って穴をあけるの？」).
    「粗大ごみのシールってどこに貼ればいいの」 names シール, but asks about the sticker."""
    if not names_an_item(tracker):
        return False
    text: str = tracker.latest_message.get("text") or ""
    if asks_disposal(text):
        return True
    match = garbage_service().snapshot().index.lookup(item_phrase(text))
    return match.kind != "none" and match.how == "exact" and match.whole


def item_matches(index: Index, text: str, entity: str | None) -> list[Match]:
    """The items a message asks about: a button's exact name, else the text, else the NLU's entity."""
    if _is_payload(text):  # a button carries the exact item name
        named = index.named(entity or "")
        return [Match("item", entity or "", named, whole=True) if named else index.lookup(entity or "")]
    matches = index.lookup_all(text)
    if entity and len(matches) == 1 and matches[0].how != "exact":  # the NLU's entity beats a guess from the text
        by_entity = index.lookup(entity)
        return [by_entity if by_entity.how == "exact" and by_entity.named_in(text) else matches[0]]
    return matches


class ActionGarbageLookup(Action):
    def name(self) -> str:
        return "action_garbage_lookup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = garbage_service()
        snap = service.snapshot()
        text = tracker.latest_message.get("text") or ""
        entity = next(tracker.get_latest_entity_values("garbage_item"), None)
        matches = item_matches(snap.index, text, entity)
        if len(matches) == 1 and not _is_payload(text) and not matches[0].named_in(text):
            return [FollowupAction(OUT_OF_SCOPE)]  # 「ペットの火葬」 read as a sorting question: no ペットボトル
        for match in matches:
            if match.kind == "none" and match.query:
                service.log_miss(match.query, [e.name for e in match.items])
        area = snap.areas.named(tracker.get_slot(AREA_SLOT) or "")
        ctx = answer_context(service, domain)
        replies = answers.match_replies(matches, snap.index, ctx, area)
        # A topic's question that named an item (「乾電池の出し方」): the FAQ answer that sent it here chose the
        # topic's entry, which follows the item's row and says whom to ask.
        before = [a for a in this_turn_actions(tracker) if a != self.name()]  # whether or not this one is listed yet
        topic_follows = bool(tracker.get_slot(TOPIC_SLOT)) and before[-1:] == [TOPIC_ANSWER]
        send_replies(dispatcher, [r for r in replies if not (topic_follows and r == answers.CONTACT)])
        return [FollowupAction(TOPIC_ANSWER)] if topic_follows else []


class ActionCollectionSchedule(Action):
    """Answers from the area in the slot or named in the question; without one, the area form asks first."""

    def name(self) -> str:
        return "action_collection_schedule"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = garbage_service()
        snap = service.snapshot()
        config = service.config
        question = collection_question(tracker)
        category = answers.detect_category(question, config, snap.index) if question else None
        several = areas_named(snap.areas, question, str((tracker.latest_message or {}).get("text") or ""))
        if several:  # 「泉野と朝日」: each area's days under its name; neither is taken for the citizen's own
            ctx = answer_context(service, domain)
            replies = [r for a in several for r in answers.schedule_replies(a, category, ctx) if r != answers.CONTACT]
            send_replies(dispatcher, [*replies, answers.CONTACT])
            return [SlotSet(AREA_SLOT, None)]
        named = snap.areas.match(question, in_sentence=True).area if question else None
        area = named or snap.areas.named(tracker.get_slot(AREA_SLOT) or "")
        if area is None:
            if not len(snap.areas):
                send_replies(dispatcher, answers.ask_area_replies(snap.areas, config))
                return []
            # Clear a value that names no area (the data changed), or the form would think it is answered.
            return [SlotSet(AREA_SLOT, None), FollowupAction(AREA_FORM)]
        send_replies(dispatcher, answers.schedule_replies(area, category, answer_context(service, domain)))
        return [SlotSet(AREA_SLOT, area.name)]


class ActionAskGarbageArea(Action):
    """The area form's question: every area as a button when there are few, else a request to type it."""

    def name(self) -> str:
        return "action_ask_garbage_area"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = garbage_service()
        replies = answers.ask_area_replies(service.snapshot().areas, service.config)
        for reply in replies[-1:]:
            if reply.buttons:  # the areas to choose from, then やめる (a response without choices has it already)
                reply.buttons = [*reply.buttons, *quit_buttons(domain)]
        send_replies(dispatcher, replies)
        return []


class ValidateGarbageAreaForm(LeavesOnBack):
    """The area typed or chosen; 「戻る」 leaves the form, and 「やめる」 never gets here (domain.yml's not_intent)."""

    def name(self) -> str:
        return "validate_garbage_area_form"

    def validate_garbage_area(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        areas = garbage_service().snapshot().areas
        match = areas.match(text)
        if match.area:
            return {AREA_SLOT: match.area.name}
        several = areas_named(areas, text)
        if several:  # the schedule answers each of them
            return {AREA_SLOT: several[0].name}
        if declined_out_of_scope(tracker, dispatcher):  # another service's question: declined, the area asked again
            return {AREA_SLOT: None, "requested_slot": AREA_SLOT}
        send_replies(dispatcher, answers.area_rejected_replies(text, match.candidates))
        return {AREA_SLOT: None}
