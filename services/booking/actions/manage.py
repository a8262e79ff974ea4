"""Managing a booking: its status, then moving or cancelling it after the phone number is checked."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.messages import render
from bot.payload import encode_payload
from services.common import settings
from services.general.forms import LeavesOnBack, declined_out_of_scope, quit_buttons
from services.payments.base import PAID, PaymentError
from services.payments.billing import payment_service

from .. import calendar
from ..contact import find_booking_number, normalize_booking_number, normalize_phone
from ..conversation import MANAGE_OPS, asks_about_money, confirms_cancel, confirms_change, manage_op, summary_text
from ..models import BOOKED
from ..service import BookingView, DateFull, DeadlinePassed, Locked, NotChangeable, NotFound
from .context import (
    Context,
    ask_date,
    channel_of,
    context,
    date_entities,
    in_group_chat,
    payment_instructions,
    typed,
    validate_date_answer,
)

log = logging.getLogger(__name__)


def wanted_op(tracker: Tracker) -> str:
    """What the citizen wants done: the button's manage_action, else words in the message, else the status."""
    entities = (tracker.latest_message or {}).get("entities") or []
    value = next((e.get("value") for e in entities if e.get("entity") == "manage_action"), None)
    return value if value in MANAGE_OPS else manage_op((tracker.latest_message or {}).get("text") or "")


def typed_number(message: dict[str, Any]) -> str | None:
    """A booking number in the message: the NLU's (or a button's) booking_number entity, else in the text."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "booking_number":
            number = normalize_booking_number(str(entity.get("value")))
            if number:
                return number
    return find_booking_number(message.get("text") or "")


def status_response(booking: BookingView) -> str:
    """The status message, with the buttons of what can still be done with the booking."""
    if booking.status != BOOKED:
        return "utter_bulky_status"
    if booking.payment_method == "online" and booking.payment_status in (None, "pending"):
        return "utter_bulky_status_payable"
    return "utter_bulky_status_changeable"


def status_label(booking: BookingView) -> str:
    return render(settings(), f"utter_bulky_status_{booking.status}")


def show_status(dispatcher: CollectingDispatcher, booking: BookingView, ctx: Context) -> list[EventType]:
    """The status card; its event puts the address in a personal slot, so the stored turn keeps it masked."""
    config = ctx.config
    status = status_label(booking)
    rows = [
        [config.field_labels["bulky_items"], "、".join(f"{line.name} ×{line.quantity}" for line in booking.lines)],
        [config.field_labels["bulky_address"], booking.address],
        [config.field_labels["bulky_date"], ctx.formats.date(booking.pickup_date, "long_date")],
        [config.field_labels["bulky_payment"], config.payment_label(booking.payment_method)],
    ]
    total_text = f"{config.total_label} {ctx.formats.money(booking.total_fee)}"
    payment = render(settings(), f"utter_bulky_payment_{booking.payment_status}") if booking.payment_status else ""
    dispatcher.utter_message(
        response=status_response(booking),
        number=booking.number,
        status=status,
        summary=summary_text(config.booking_title, rows, total_text),
        payment=payment,
        json_message={
            "type": "summary",
            "title": f"{config.booking_title} {booking.number}",
            "rows": [*rows, ["", status]],
            "total": total_text,
        },
    )
    return [SlotSet("manage_address", booking.address)]


def changeable(dispatcher: CollectingDispatcher, booking: BookingView, ctx: Context) -> bool:
    if booking.status != BOOKED:
        dispatcher.utter_message(
            response="utter_bulky_not_changeable", number=booking.number, status=status_label(booking)
        )
        return False
    deadline = calendar.change_deadline(booking.pickup_date, ctx.config)
    if ctx.today > deadline:
        dispatcher.utter_message(
            response="utter_bulky_deadline_passed",
            deadline=ctx.formats.date(deadline),
            date=ctx.formats.date(booking.pickup_date),
        )
        return False
    return True


def run_op(op: str, booking: BookingView, dispatcher: CollectingDispatcher, ctx: Context) -> list[EventType]:
    """Do what the citizen asked with a booking whose owner is known."""
    if op == "change_date" and changeable(dispatcher, booking, ctx):
        return [SlotSet("manage_new_date", None), ActiveLoop("bulky_change_form")]
    if op == "cancel" and changeable(dispatcher, booking, ctx):
        return [SlotSet("manage_cancel_confirmed", None), ActiveLoop("bulky_cancel_form")]
    if op == "pay":
        if booking.payment_method != "online" or booking.payment_status not in (None, "pending"):
            return show_status(dispatcher, booking, ctx)
        payment_instructions(dispatcher, booking, ctx)
        return []
    if op == "status":
        if booking.payment_status == "pending":
            try:
                payment_service(settings(), lambda: ctx.now).refresh(booking.number)
                booking = ctx.store.get(booking.number) or booking
            except PaymentError:
                log.warning("could not ask the payment provider about booking %s", booking.number)
        return show_status(dispatcher, booking, ctx)
    return []


# The end of a booking number that tells two bookings on the same day apart in their button's title.
NUMBER_TAIL = 4


def choose_booking_buttons(bookings: list[BookingView], op: str, ctx: Context) -> list[dict[str, str]]:
    """A button per booking, titled by its pickup date (short enough for a LINE quick reply), with the end of its
    number when another booking shares the date."""
    days = [b.pickup_date for b in bookings]
    buttons = []
    for b in bookings:
        values = {"date": ctx.formats.date(b.pickup_date), "number_tail": b.number[-NUMBER_TAIL:]}
        shared = days.count(b.pickup_date) > 1
        title = render(
            settings(), "utter_bulky_choose_booking_same_day" if shared else "utter_bulky_choose_booking_one", **values
        )
        payload = encode_payload("garbage_booking_manage", booking_number=b.number, manage_action=op)
        buttons.append({"title": title, "payload": payload})
    return buttons


class ActionBulkyManage(Action):
    """「予約を確認したい」 and the buttons under a booking: find out whose booking it is, then act."""

    def name(self) -> str:
        return "action_bulky_manage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if in_group_chat(tracker):  # a booking's details and the phone check are for its owner's eyes only
            dispatcher.utter_message(response="utter_bulky_private_chat_only")
            return []
        ctx = context()
        op, channel = wanted_op(tracker), channel_of(tracker)
        events = [SlotSet("manage_op", op)]
        number = tracker.get_slot("manage_booking")
        named = typed_number(tracker.latest_message or {})
        # A button under a booking's card acts on that booking; words naming none ask afresh (a LINE user with
        # several bookings chooses, whichever one the conversation showed last).
        if (named and named != number) or (channel == "line" and not named and typed(tracker)):
            number = None
        if number is None and channel == "line":  # a LINE user is known: their own bookings need no phone number
            own = ctx.store.for_sender("line", tracker.sender_id, ctx.today)
            mine = [b for b in own if b.number == named] if named else own
            if len(mine) == 1:
                number = mine[0].number
                events.append(SlotSet("manage_booking", number))
            elif len(mine) > 1:
                buttons = [*choose_booking_buttons(mine, op, ctx), *quit_buttons(domain)]
                dispatcher.utter_message(response="utter_bulky_choose_booking", buttons=buttons)
                return events
        booking = ctx.store.get(number) if number else None
        if booking is None:
            return [
                *events,
                SlotSet("manage_booking", None),
                SlotSet("manage_number", named),
                SlotSet("manage_phone", None),
                ActiveLoop("bulky_manage_form"),
            ]
        return events + run_op(op, booking, dispatcher, ctx)


_ABOUT_THE_NUMBER = re.compile(r"番号|わから|分から|忘れ|不明|なくし|無くし|紛失|知らな")


def about_the_number(tracker: Tracker) -> bool:
    """Whether a typed message at the booking number's question speaks of the number or of a date (its booking)."""
    text = str((tracker.latest_message or {}).get("text") or "")
    return typed(tracker) and (bool(date_entities(tracker)) or bool(_ABOUT_THE_NUMBER.search(text)))


class ValidateBulkyManageForm(LeavesOnBack):
    def name(self) -> str:
        return "validate_bulky_manage_form"

    def validate_manage_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = normalize_booking_number(str(value)) or find_booking_number(str(value))
        if number is None and declined_out_of_scope(tracker, dispatcher):  # another service's question
            return {"manage_number": None, "requested_slot": "manage_number"}
        if number is None:
            dispatcher.utter_message(response="utter_bulky_manage_number_invalid")
            # 「受付番号がわからない」 reads as a request to manage a booking, a date as the collection-day question: at
            # this question they are about the number, and the help above answers them (naming the slot takes them).
            if tracker.get_slot("requested_slot") == "manage_number" and about_the_number(tracker):
                return {"manage_number": None, "requested_slot": "manage_number"}
        return {"manage_number": number}

    def validate_manage_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = normalize_phone(str(value))
        if phone is None:
            dispatcher.utter_message(response="utter_bulky_phone_invalid")
        return {"manage_phone": phone}


class ActionBulkyManageVerify(Action):
    """After the number and phone number are given: the booking, only when both match."""

    def name(self) -> str:
        return "action_bulky_manage_verify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ctx = context()
        number, phone = tracker.get_slot("manage_number"), tracker.get_slot("manage_phone")
        events = [SlotSet("manage_number", None), SlotSet("manage_phone", None)]
        try:
            booking = ctx.store.find(number, phone, ctx.now) if number and phone else None
        except Locked:  # too many wrong phone numbers for this number lately: the office can still help
            dispatcher.utter_message(
                response="utter_bulky_manage_locked", minutes=ctx.config.lookup_lockout.lockout_minutes
            )
            return events
        if booking is None:  # a typo in either: both are asked again (wrong phone numbers are counted, see Locked)
            dispatcher.utter_message(response="utter_bulky_manage_not_found")
            return [*events, ActiveLoop("bulky_manage_form")]
        events.append(SlotSet("manage_booking", booking.number))
        return events + run_op(tracker.get_slot("manage_op") or "status", booking, dispatcher, ctx)


class ValidateBulkyChangeForm(LeavesOnBack):
    def name(self) -> str:
        return "validate_bulky_change_form"

    def validate_manage_new_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        ctx = context()
        booking = ctx.store.get(tracker.get_slot("manage_booking") or "")
        if booking is None:
            return {"manage_new_date": None}
        return validate_date_answer(
            value, "manage_new_date", booking.area, ctx, tracker, dispatcher, current=booking.pickup_date
        )

    def validate_manage_change_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes changes the date; no asks for another date; a date typed here is that other date, asked again."""
        if value is True or (typed(tracker) and confirms_change(value)):
            return {"manage_change_confirmed": True}
        if value is False:
            return {"manage_change_confirmed": None, "manage_new_date": None}
        if date_entities(tracker):
            other = self.validate_manage_new_date(value, dispatcher, tracker, domain)
            return {**other, "manage_change_confirmed": None, "requested_slot": "manage_change_confirmed"}
        if declined_out_of_scope(tracker, dispatcher):  # another service's question: the question is asked again
            return {"manage_change_confirmed": None, "requested_slot": "manage_change_confirmed"}
        dispatcher.utter_message(response="utter_bulky_change_unclear")
        return {"manage_change_confirmed": None}


class ActionAskManageChangeConfirmed(Action):
    """Moving a booking asks first, as booking does: a date typed in passing (「12月11日かな？」) changes nothing."""

    def name(self) -> str:
        return "action_ask_manage_change_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ctx = context()
        booking = ctx.store.get(tracker.get_slot("manage_booking") or "")
        new_date = calendar.parse_iso(tracker.get_slot("manage_new_date"))
        if booking is None or new_date is None:
            return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("manage_new_date", None)]
        dispatcher.utter_message(
            response="utter_ask_manage_change_confirmed",
            number=booking.number,
            old=ctx.formats.date(booking.pickup_date),
            new=ctx.formats.date(new_date),
        )
        return []


class ActionAskManageNewDate(Action):
    def name(self) -> str:
        return "action_ask_manage_new_date"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ctx = context()
        booking = ctx.store.get(tracker.get_slot("manage_booking") or "")
        if booking and ask_date(
            dispatcher,
            booking.area,
            ctx,
            "utter_ask_manage_new_date",
            quit_buttons(domain),
            exclude=booking.pickup_date,
        ):
            return []
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("manage_new_date", None)]


class ActionBulkyChangeDate(Action):
    def name(self) -> str:
        return "action_bulky_change_date"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ctx = context()
        number, new_date = tracker.get_slot("manage_booking"), calendar.parse_iso(tracker.get_slot("manage_new_date"))
        events = [SlotSet("manage_new_date", None), SlotSet("manage_change_confirmed", None)]
        if not number or new_date is None or tracker.get_slot("manage_change_confirmed") is not True:
            return events
        try:
            booking = ctx.store.change_date(number, new_date, ctx.now)
        except DateFull:
            dispatcher.utter_message(response="utter_bulky_date_taken", date=ctx.formats.date(new_date))
            return [*events, ActiveLoop("bulky_change_form")]
        except DeadlinePassed as exc:
            dispatcher.utter_message(
                response="utter_bulky_deadline_passed",
                deadline=ctx.formats.date(exc.deadline),
                date=ctx.formats.date(exc.pickup),
            )
            return events
        except (NotChangeable, NotFound):
            dispatcher.utter_message(response="utter_bulky_manage_not_found")
            return events
        dispatcher.utter_message(
            response="utter_bulky_date_changed",
            number=booking.number,
            date=ctx.formats.date(booking.pickup_date, "long_date"),
            put_out_by=ctx.config.put_out_by,
        )
        return events


class ValidateBulkyCancelForm(LeavesOnBack):
    def name(self) -> str:
        return "validate_bulky_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # 「取り消してください」 would otherwise read as stopping this procedure: asked whether to cancel, it is a yes.
        asked = tracker.get_slot("requested_slot") == "manage_cancel_confirmed"
        if asked and confirms_cancel((tracker.latest_message or {}).get("text")):
            return [SlotSet("manage_cancel_confirmed", True)]
        return await super().run(dispatcher, tracker, domain)

    def validate_manage_cancel_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, bool):
            return {"manage_cancel_confirmed": value}
        if declined_out_of_scope(tracker, dispatcher):  # another service's question: the question is asked again
            return {"manage_cancel_confirmed": None, "requested_slot": "manage_cancel_confirmed"}
        ctx = context()
        booking = ctx.store.get(tracker.get_slot("manage_booking") or "")
        if booking and typed(tracker) and asks_about_money(value):  # 「返金はされますか？」 before deciding
            dispatcher.utter_message(response=refund_response(booking), total=ctx.formats.money(booking.total_fee))
            return {"manage_cancel_confirmed": None, "requested_slot": "manage_cancel_confirmed"}
        dispatcher.utter_message(response="utter_bulky_cancel_unclear")
        return {"manage_cancel_confirmed": None}


def refund_response(booking: BookingView) -> str:
    """What cancelling does to the fee: paid online comes back, unpaid costs nothing, a 処理券 can be used again."""
    if booking.payment_method == "online":
        return (
            "utter_bulky_cancel_refund_paid" if booking.payment_status == PAID else "utter_bulky_cancel_refund_unpaid"
        )
    return "utter_bulky_sticker_refund"


class ActionBulkyCancelBooking(Action):
    def name(self) -> str:
        return "action_bulky_cancel_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        number = tracker.get_slot("manage_booking")
        events = [SlotSet("manage_cancel_confirmed", None)]
        if tracker.get_slot("manage_cancel_confirmed") is not True or not number:
            dispatcher.utter_message(response="utter_bulky_cancel_kept")
            return events
        ctx = context()
        try:
            booking = ctx.store.cancel(number, ctx.now)
        except DeadlinePassed as exc:
            dispatcher.utter_message(
                response="utter_bulky_deadline_passed",
                deadline=ctx.formats.date(exc.deadline),
                date=ctx.formats.date(exc.pickup),
            )
            return events
        except (NotChangeable, NotFound):
            dispatcher.utter_message(response="utter_bulky_manage_not_found")
            return events
        try:
            settled = payment_service(settings(), lambda: ctx.now).settle_cancelled(number)
        except PaymentError:
            log.exception("booking %s is cancelled but its payment could not be settled", number)
            settled = "failed"
        dispatcher.utter_message(
            response="utter_bulky_cancelled",
            number=booking.number,
            date=ctx.formats.date(booking.pickup_date, "long_date"),
        )
        if settled == "refunded":
            dispatcher.utter_message(response="utter_bulky_refunded", total=ctx.formats.money(booking.total_fee))
        elif settled == "failed":
            dispatcher.utter_message(response="utter_bulky_refund_pending")
        elif booking.payment_method == "sticker":
            dispatcher.utter_message(response="utter_bulky_sticker_refund")
        return events
