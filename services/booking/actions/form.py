"""The booking form: its validators (each re-asks only the one slot that is wrong and keeps the others;
「戻る」 asks the previous question again, 「住所を変更」 that one), its dynamic questions and the submission.

Every value a message or a button brings is checked here on every turn, lists of items included: a button's payload
is user input, so items are read as ids and counts and priced from the fee table, and the store prices them again."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.formats import load_formats
from bot.payload import encode_payload
from bot.questions import reads_as_question
from services.areas.directory import NoAreas, load
from services.areas.matching import NO_NUMBER, OUTSIDE, match_address
from services.common import profile, settings
from services.garbage.actions import garbage_service, send_replies
from services.garbage.answers import item_reply
from services.garbage.collection import SCHEDULE, collection_kinds
from services.general.forms import declined_out_of_scope, quit_buttons, quit_events

from .. import calendar
from ..config import load_config
from ..contact import clean_name, normalize_phone
from ..conversation import (
    EDITABLE,
    FIELDS,
    FORM,
    answer_and_aside,
    asks_about_fee,
    asks_about_payment,
    is_bare_date,
    lines_of,
    looks_like_phone,
    navigation,
    payment_choice,
    previous,
    reads_as_name,
    summary,
    summary_text,
)
from ..fees import check_quantities, choices, describe, parse_items, price
from ..service import DateFull, Draft, InvalidItems
from .context import (
    BOOKING_SLOTS,
    Context,
    an_address,
    ask_date,
    channel_of,
    check_pickup_date,
    context,
    date_entities,
    fee_answer,
    filled,
    in_group_chat,
    payment_instructions,
    typed,
    validate_date_answer,
)

log = logging.getLogger(__name__)


def sorted_as_regular(name: str, dispatcher: CollectingDispatcher) -> bool:
    """Whether the city's sorting names `name` exactly as an item collected on the area's days (「電子レンジ」 is
    燃やさないごみ): the citizen is told so, as a sorting question is answered, and that it needs no booking."""
    service = garbage_service()
    match = service.snapshot().index.lookup(name)
    kinds = collection_kinds(settings().data_dir)
    if match.kind != "item" or match.how != "exact" or any(kinds.get(e.category) != SCHEDULE for e in match.items):
        return False
    send_replies(dispatcher, [item_reply(match.items[0], service.config)])
    dispatcher.utter_message(response="utter_bulky_item_not_bulky")
    return True


def _named_date(tracker: Tracker) -> str | None:
    """The date the NLU read in the latest message (ISO), if any."""
    return next((str(e["value"]) for e in date_entities(tracker) if e.get("value")), None)


class ValidateBulkyBookingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_bulky_booking_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The form does not start in a city that takes no bookings in the chat (bulky.yml): the citizen gets the
        bulky office's contact; nor in a group chat: it asks for a name and a phone number."""
        closed = not load_config(settings().data_dir).enabled
        if closed or in_group_chat(tracker):
            dispatcher.utter_message(response="utter_bulky_booking_off" if closed else "utter_bulky_private_chat_only")
            return [ActiveLoop(None), SlotSet("requested_slot", None), *(SlotSet(s, None) for s in BOOKING_SLOTS)]
        quit_form = quit_events(dispatcher, tracker, domain, FORM)
        if quit_form:
            return [*quit_form, *(SlotSet(s, None) for s in BOOKING_SLOTS)]
        if tracker.get_slot("requested_slot") is None and tracker.get_slot("bulky_request_key") is None:
            dispatcher.utter_message(response="utter_bulky_intro")  # once, as the form starts
        return await super().run(dispatcher, tracker, domain)

    # The message that opened the form may already name the items: 「ソファを捨てたい」.
    def extract_bulky_items(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") or tracker.get_slot("bulky_items") is not None:
            return {}
        message = tracker.latest_message or {}
        if (message.get("intent") or {}).get("name") != "garbage_bulky_booking":
            return {}
        text = message.get("text") or ""
        if text.startswith("/"):
            text = "、".join(
                str(e.get("value")) for e in message.get("entities") or [] if e.get("entity") == "garbage_item"
            )
        if not text or not parse_items(text, context().fees).names_an_item:
            return {}
        return {"bulky_items": text}

    def _navigate(
        self, value: Any, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context
    ) -> dict[str, Any] | None:
        """Slot changes for 「戻る」 or 「〇〇を変更」, or for a message about the booking that answers no question
        (`_aside`), or None when `value` is an answer. They name the question to ask next (`requested_slot`): the
        engine then knows the form took the message, whatever the NLU read in it."""
        requested = tracker.get_slot("requested_slot") or slot
        nav = navigation(value, requested)
        if nav is None:
            return self._aside(value, slot, dispatcher, tracker, ctx) if requested == slot else None
        if nav.kind == "edit" and nav.slot is None and requested != "bulky_confirmed":
            return None
        if nav.kind == "edit" and nav.slot is None:  # 「修正する」 typed at the summary: its menu asks which
            return {"bulky_confirmed": None, "bulky_edit_menu": True, "requested_slot": requested}
        out = {slot: None, "bulky_confirmed": None, "requested_slot": requested}
        labels = ctx.config.field_labels
        auto = ("bulky_payment",) if len(ctx.config.payment_methods) == 1 else ()
        target = previous(requested, skip=auto) if nav.kind == "back" else nav.slot
        if target is None:
            dispatcher.utter_message(response="utter_bulky_first_question")
            return out
        if target != requested and tracker.get_slot(target) is None:  # not asked yet: it comes later
            dispatcher.utter_message(response="utter_bulky_later", field=labels[target])
            return out
        day = _named_date(tracker) if target == "bulky_date" and nav.kind == "edit" else None
        if day and tracker.get_slot("bulky_area"):  # 「日付を12月7日に変えたい」: the new date is in the message
            checked = check_pickup_date(day, filled(tracker, "bulky_area"), ctx, dispatcher, echo=True)
            if checked:
                return {**out, "bulky_date": checked}  # the form goes on to the question it was at
        dispatcher.utter_message(
            response="utter_bulky_going_back" if nav.kind == "back" else "utter_bulky_editing", field=labels[target]
        )
        return {**out, target: None, "requested_slot": target}

    def _aside(
        self, value: Any, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context
    ) -> dict[str, Any] | None:
        """A typed message that is no answer to the question asked, answered here, then the question is asked again:
        another service's question gets the decline; a question about the fee (「手数料はいくら？」) this booking's fee
        as far as it is known; a date, phone number or address typed before its question that it comes later
        (「12月9日」 at the address question once started the collection-day question, which then took the address
        typed next); items typed at the address or date question how to change the items."""
        if not typed(tracker) or not isinstance(value, str):
            return None
        taken = {slot: None, "requested_slot": slot}
        if slot == "bulky_payment" and asks_about_payment(value):
            labels = ctx.config.payment_labels
            methods = "、".join(f"「{labels.get(m, m)}」" for m in ctx.config.payment_methods)
            dispatcher.utter_message(response="utter_bulky_payment_options", methods=methods)
            return taken
        names_items = slot == "bulky_items" and parse_items(value, ctx.fees).names_an_item  # 「ソファはいくら？」
        if not names_items and declined_out_of_scope(tracker, dispatcher):  # 「パスポートを作りたい」
            return taken
        first = answer_and_aside(value)[0]  # 「泉野町3丁目5-1です。あと手数料は？」 answers first: the validator's
        if asks_about_fee(first) and not names_items:
            dispatcher.utter_message(**fee_answer(tracker, ctx))
            return taken
        position = FIELDS.index(slot)
        dates = [(e["start"], e["end"]) for e in date_entities(tracker) if "start" in e]
        if position < FIELDS.index("bulky_date") and is_bare_date(value, dates):
            dispatcher.utter_message(response="utter_bulky_later", field=ctx.config.field_labels["bulky_date"])
            return taken
        if position < FIELDS.index("bulky_phone") and slot != "bulky_date" and looks_like_phone(value):
            dispatcher.utter_message(response="utter_bulky_later", field=ctx.config.field_labels["bulky_phone"])
            return taken
        if slot == "bulky_items" and not names_items and an_address(value):
            dispatcher.utter_message(response="utter_bulky_later", field=ctx.config.field_labels["bulky_address"])
            return taken
        # 「ソファ2点」 at the address or date question: more or other items, which 「品目を変更」 asks for
        later = slot in ("bulky_address", "bulky_date") and not reads_as_question(value)
        if later and parse_items(value, ctx.fees).lines and not an_address(value):
            dispatcher.utter_message(response="utter_bulky_items_later", field=ctx.config.field_labels["bulky_items"])
            return taken
        return None

    def validate_bulky_items(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        ctx = context()
        nav = self._navigate(value, "bulky_items", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        table = ctx.fees
        # Typed text, or ids and counts: an item button's, or this form's own answer when the form resumes.
        parsed = parse_items(value, table) if isinstance(value, str) else price(choices(value), table)
        check_quantities(parsed, ctx.config.max_quantity)
        # A refused, misspelt or too many item answers this question, though not acceptably: naming the slot asked
        # again tells the engine the form took the message. Anything else the table cannot place (「住民票」,
        # 「スプレー缶は何ごみですか」) may be a question of the citizen's own, which the rules answer first.
        took = {"bulky_items": None, "requested_slot": "bulky_items"}
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
        names_items = intent.startswith("garbage_") and not reads_as_question(value)
        for route, names in parsed.refused.items():
            dispatcher.utter_message(
                response=f"utter_bulky_refused_{route}", items="、".join(f"「{n}」" for n in names)
            )
        if parsed.bad_quantity:
            name, quantity = parsed.bad_quantity[0]
            dispatcher.utter_message(
                response="utter_bulky_items_quantity", item=name, quantity=quantity, max=ctx.config.max_quantity
            )
            return took
        if parsed.unusable_choice:
            dispatcher.utter_message(response="utter_bulky_items_unknown_choice")
            return took
        regular = [u for u in parsed.unknown if sorted_as_regular(u, dispatcher)]  # 「電子レンジ」: 燃やさないごみ
        unknown = [u for u in parsed.unknown if u not in regular]
        if unknown:
            suggestions = [i for u in unknown for i in table.suggest(u)][:3]
            dispatcher.utter_message(
                response="utter_bulky_items_unknown",
                items="、".join(f"「{u}」" for u in unknown),
                buttons=[{"title": i.name, "payload": i.name} for i in suggestions],
            )
        if parsed.unknown:
            return took if names_items or parsed.lines or parsed.refused or regular else {"bulky_items": None}
        if not parsed.lines:
            if not parsed.refused:
                dispatcher.utter_message(response="utter_bulky_items_unreadable")
                return {"bulky_items": None}
            return took
        if parsed.pieces > ctx.config.max_pieces:
            dispatcher.utter_message(
                response="utter_bulky_items_too_many", pieces=parsed.pieces, max=ctx.config.max_pieces
            )
            return took
        if isinstance(value, str) or tracker.get_slot("requested_slot") == "bulky_items":  # not when resumed
            fees = describe(parsed.lines, ctx.config.total_label, ctx.formats)
            dispatcher.utter_message(response="utter_bulky_items_fee", fees=fees)
        out: dict[str, Any] = {"bulky_items": [line.as_slot() for line in parsed.lines]}
        if not tracker.get_slot("bulky_request_key"):
            out["bulky_request_key"] = uuid.uuid4().hex
        return out

    def validate_bulky_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        ctx = context()
        nav = self._navigate(value, "bulky_address", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        try:
            areas = load(settings().database_url)
        except NoAreas:  # before `bot setup`: say so instead of "which area is that?"
            dispatcher.utter_message(response="utter_bulky_no_areas")
            return {"bulky_address": None}
        city = profile()["city"]
        # 「泉野町3丁目5-1です。あと手数料はいくらですか」: the address is the first sentence, the question is answered
        answer, aside = answer_and_aside(str(value))
        found = match_address(answer, areas, city.get("prefecture", ""), city["name"])
        if aside and not found.ok:
            answer, aside = str(value), ""
            found = match_address(answer, areas, city.get("prefecture", ""), city["name"])
        if not found.ok:
            responses: dict[str | None, str] = {
                OUTSIDE: "utter_bulky_address_outside",
                NO_NUMBER: "utter_bulky_address_no_number",
            }
            response = responses.get(found.problem, "utter_bulky_address_unknown")
            dispatcher.utter_message(response=response, address=found.address)
            return {"bulky_address": None}
        out = {"bulky_address": found.address, "bulky_area": found.area}
        if tracker.get_slot("requested_slot") == "bulky_address":
            dispatcher.utter_message(response="utter_bulky_address_ok", address=found.address, area=found.area)
            if aside:
                fee = asks_about_fee(aside)
                dispatcher.utter_message(
                    **(fee_answer(tracker, ctx) if fee else {"response": "utter_bulky_aside_later"})
                )
        old_area = tracker.get_slot("bulky_area")
        if old_area and old_area != found.area and tracker.get_slot("bulky_date"):
            dispatcher.utter_message(response="utter_bulky_date_reset", area=found.area)
            out["bulky_date"] = None
        return out

    def validate_bulky_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        ctx = context()
        nav = self._navigate(value, "bulky_date", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        area = tracker.get_slot("bulky_area")
        if not area:  # a date button pressed before the address is known: ask in order
            return {"bulky_date": None}
        return validate_date_answer(value, "bulky_date", area, ctx, tracker, dispatcher)

    def validate_bulky_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        ctx = context()
        nav = self._navigate(value, "bulky_name", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        intent = (tracker.latest_message or {}).get("intent") or {}
        readable = reads_as_name(value, intent.get("name"), intent.get("confidence") or 0.0)
        name = clean_name(str(value)) if readable else None
        if name is None:
            dispatcher.utter_message(response="utter_bulky_name_invalid")
        return {"bulky_name": name}

    def validate_bulky_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        ctx = context()
        phone = normalize_phone(str(value))
        if phone is None:
            nav = self._navigate(value, "bulky_phone", dispatcher, tracker, ctx)
            if nav is not None:
                return nav
            dispatcher.utter_message(response="utter_bulky_phone_invalid")
            return {"bulky_phone": None}
        out = {"bulky_phone": phone}
        if len(ctx.config.payment_methods) == 1:
            out["bulky_payment"] = ctx.config.payment_methods[0]
        return out

    def validate_bulky_payment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        ctx = context()
        nav = self._navigate(value, "bulky_payment", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        choice = payment_choice(value, ctx.config.payment_methods)
        if choice is None:
            dispatcher.utter_message(response="utter_bulky_payment_invalid")
        return {"bulky_payment": choice}

    def validate_bulky_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        asked = tracker.get_slot("requested_slot") == "bulky_confirmed"  # the summary was shown
        if value is True and asked:
            return {"bulky_confirmed": True}
        if value is False and asked:  # 「修正する」: which one?
            return {"bulky_confirmed": None, "bulky_edit_menu": True}
        if isinstance(value, bool):  # a yes or no before the summary (a forged bulky_field): ask in order
            return {"bulky_confirmed": None}
        ctx = context()
        if value in EDITABLE:  # an edit button: /general_inform{"bulky_field": "bulky_address"}
            dispatcher.utter_message(response="utter_bulky_editing", field=ctx.config.field_labels[value])
            return {"bulky_confirmed": None, value: None}
        if not typed(tracker):  # a forged or foreign field: nothing to edit, the summary is asked again
            dispatcher.utter_message(response="utter_inform_not_this_question")
            return {"bulky_confirmed": None}
        nav = self._navigate(value, "bulky_confirmed", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        dispatcher.utter_message(response="utter_bulky_confirm_unclear")
        return {"bulky_confirmed": None}


class ActionAskBulkyDate(Action):
    def name(self) -> str:
        return "action_ask_bulky_date"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ctx = context()
        if ask_date(dispatcher, filled(tracker, "bulky_area"), ctx, "utter_ask_bulky_date", quit_buttons(domain)):
            return []
        return [ActiveLoop(None), SlotSet("requested_slot", None), *(SlotSet(s, None) for s in BOOKING_SLOTS)]


class ActionAskBulkyPayment(Action):
    def name(self) -> str:
        return "action_ask_bulky_payment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        data_dir = settings().data_dir
        config = load_config(data_dir)
        lines = lines_of(tracker.get_slot("bulky_items"))
        buttons = [
            {"title": config.payment_label(m), "payload": encode_payload("general_inform", payment_method=m)}
            for m in config.payment_methods
        ]
        dispatcher.utter_message(
            response="utter_ask_bulky_payment",
            buttons=buttons + quit_buttons(domain),
            total=load_formats(data_dir).money(sum(line.subtotal for line in lines)),
            shops=config.sticker.get("shops", ""),
        )
        return []


class ActionAskBulkyConfirmed(Action):
    def name(self) -> str:
        return "action_ask_bulky_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        data_dir = settings().data_dir
        config = load_config(data_dir)
        if tracker.get_slot("bulky_edit_menu"):
            fields = [f for f in EDITABLE if f != "bulky_payment" or len(config.payment_methods) > 1]
            buttons = [
                {"title": config.field_labels[f], "payload": encode_payload("general_inform", bulky_field=f)}
                for f in fields
            ]
            dispatcher.utter_message(response="utter_bulky_edit_menu", buttons=buttons + quit_buttons(domain))
            return [SlotSet("bulky_edit_menu", None)]
        rows, total_text = summary(tracker.slots, config, load_formats(data_dir))
        dispatcher.utter_message(
            response="utter_bulky_confirm",
            summary=summary_text(config.summary_title, rows, total_text),
            json_message={"type": "summary", "title": config.summary_title, "rows": rows, "total": total_text},
        )
        return []


class ActionSubmitBulkyBooking(Action):
    def name(self) -> str:
        return "action_submit_bulky_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("bulky_confirmed") is not True:
            return []
        ctx = context()
        pickup_date = calendar.parse_iso(filled(tracker, "bulky_date"))
        assert pickup_date is not None  # the form checked it
        draft = Draft(
            area=filled(tracker, "bulky_area"),
            address=filled(tracker, "bulky_address"),
            name=filled(tracker, "bulky_name"),
            phone=filled(tracker, "bulky_phone"),
            pickup_date=pickup_date,
            items=tuple(choices(tracker.get_slot("bulky_items")) or ()),
            payment_method=filled(tracker, "bulky_payment"),
            channel=channel_of(tracker),
            sender_id=tracker.sender_id,
            request_key=tracker.get_slot("bulky_request_key"),
        )
        try:
            booking, _ = ctx.store.reserve(draft, ctx.now, ctx.fees)  # a replayed confirmation finds the same booking
        except DateFull:  # someone took the last place since the date was chosen: choose again, keep the rest
            dispatcher.utter_message(response="utter_bulky_date_taken", date=ctx.formats.date(draft.pickup_date))
            return [SlotSet("bulky_date", None), SlotSet("bulky_confirmed", None), ActiveLoop(FORM)]
        except InvalidItems:  # the fee table changed since the items were chosen: choose them again, keep the rest
            dispatcher.utter_message(response="utter_bulky_items_unknown_choice")
            return [SlotSet("bulky_items", None), SlotSet("bulky_confirmed", None), ActiveLoop(FORM)]
        dispatcher.utter_message(
            response="utter_bulky_booked",
            number=booking.number,
            date=ctx.formats.date(booking.pickup_date, "long_date"),
            put_out_by=ctx.config.put_out_by,
        )
        payment_instructions(dispatcher, booking, ctx)
        return [*(SlotSet(s, None) for s in BOOKING_SLOTS), SlotSet("manage_booking", booking.number)]
