"""Bulky-waste pickup booking: the booking form, its dynamic questions, the submission, and managing a booking.

Thin adapters over bot.booking: every decision is a plain function there. Each validator re-asks only the one
slot that is wrong and keeps the others; 「戻る」 asks the previous question again, 「住所を変更」 that one.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import ActiveLoop, SlotSet

from bot.booking import calendar
from bot.booking.areas import NO_NUMBER, OUTSIDE, area_names, match_address
from bot.booking.billing import payment_service
from bot.booking.config import BookingConfig, load_config
from bot.booking.contact import clean_name, find_booking_number, normalize_booking_number, normalize_phone
from bot.booking.conversation import (FIELDS, FORM, MANAGE_OPS, date_buttons, date_picker, lines_of, manage_op,
                                      navigation, payload, payment_choice, previous, summary, summary_text)
from bot.booking.fees import check_quantities, describe, load_table, parse_items, yen
from bot.booking.messages import render_message
from bot.booking.models import BOOKED
from bot.booking.payments.base import PaymentError
from bot.booking.service import (BookingStore, BookingView, DateFull, DeadlinePassed, Draft, NotChangeable,
                                 NotFound)
from bot.clock import make_clock

from .common import profile, settings

log = logging.getLogger(__name__)

BOOKING_SLOTS = (*FIELDS, "bulky_area", "bulky_request_key", "bulky_edit_menu")


@dataclass
class Context:
    config: BookingConfig
    store: BookingStore
    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()


def context() -> Context:
    s = settings()
    config = load_config(s.data_dir)
    return Context(config, BookingStore(s.database_url, config), make_clock(s.fixed_now)())


def channel_of(tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


# -- dates, shared by the booking form and moving a booking ---------------------------------------------------
def check_pickup_date(value, area: str, ctx: Context, dispatcher, current: date | None = None) -> str | None:
    """The ISO date when `value` can be booked in `area`; otherwise tell why and return None."""
    config = ctx.config
    result = calendar.check_date(value, ctx.today, config)
    earliest, latest = calendar.earliest(ctx.today, config), calendar.latest(ctx.today, config)
    if result.problem == calendar.INVALID:
        parts = str(value).split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            dispatcher.utter_message(response="utter_bulky_date_impossible", month=int(parts[1]), day=int(parts[2]))
        else:
            dispatcher.utter_message(response="utter_bulky_date_unreadable")
        return None
    label = calendar.label(result.day)
    if result.problem == calendar.PAST:
        dispatcher.utter_message(response="utter_bulky_date_past", date=label)
    elif result.problem == calendar.TOO_SOON:
        dispatcher.utter_message(response="utter_bulky_date_too_soon", date=label, earliest=calendar.label(earliest))
    elif result.problem == calendar.TOO_FAR:
        dispatcher.utter_message(response="utter_bulky_date_too_far", date=label, latest=calendar.label(latest))
    elif result.problem == calendar.HOLIDAY:
        dispatcher.utter_message(response="utter_bulky_date_holiday", date=label, holiday=result.holiday)
    elif result.problem in (calendar.CLOSED, calendar.NO_PICKUP_WEEKDAY):
        dispatcher.utter_message(response="utter_bulky_date_no_pickup", date=label)
    elif result.day == current:
        dispatcher.utter_message(response="utter_bulky_date_same", date=label)
    elif ctx.store.places_left(area, result.day) <= 0:
        dispatcher.utter_message(response="utter_bulky_date_full", date=label)
    else:
        return result.day.isoformat()
    return None


def ask_date(dispatcher, area: str, ctx: Context, response: str, exclude: date | None = None) -> bool:
    """Offer the next free dates as buttons plus a date picker; False when the area has none at all."""
    free = ctx.store.free_dates(area, ctx.today, ctx.config.date_buttons, exclude=exclude)
    if not free:
        dispatcher.utter_message(response="utter_bulky_no_dates", area=area)
        return False
    latest = calendar.latest(ctx.today, ctx.config)
    text = render_message(settings(), response, area=area, latest=calendar.label(latest))["text"]
    dispatcher.utter_message(text=text, buttons=date_buttons(free), json_message=date_picker(free[0], latest))
    return True


# -- the booking form ---------------------------------------------------------------------------------------
class ValidateBulkyBookingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_bulky_booking_form"

    # The message that opened the form may already name the items: 「ソファを捨てたい」.
    def extract_bulky_items(self, dispatcher, tracker, domain):
        if tracker.get_slot("requested_slot") or tracker.get_slot("bulky_items") is not None:
            return {}
        message = tracker.latest_message or {}
        if (message.get("intent") or {}).get("name") != "garbage_bulky_booking":
            return {}
        text = message.get("text") or ""
        if text.startswith("/"):
            text = "、".join(str(e.get("value")) for e in message.get("entities") or []
                            if e.get("entity") == "garbage_item")
        s = settings()
        if not text or not parse_items(text, load_table(s.data_dir, s.database_url)).found_anything:
            return {}
        return {"bulky_items": text}

    def _navigate(self, value, slot: str, dispatcher, tracker, ctx: Context) -> dict | None:
        """Slot changes for 「戻る」 or 「〇〇を変更」, or None when `value` is an answer."""
        requested = tracker.get_slot("requested_slot") or slot
        nav = navigation(value, requested)
        if nav is None:
            return None
        out = {slot: None, "bulky_confirmed": None}
        labels = ctx.config.field_labels
        auto = ("bulky_payment",) if len(ctx.config.payment_methods) == 1 else ()
        target = previous(requested, skip=auto) if nav.kind == "back" else nav.slot
        if target is None:
            dispatcher.utter_message(response="utter_bulky_first_question")
            return out
        if target != requested and tracker.get_slot(target) is None:
            return out  # not asked yet: the form simply asks its current question again
        dispatcher.utter_message(response="utter_bulky_going_back" if nav.kind == "back" else "utter_bulky_editing",
                                 field=labels[target])
        out[target] = None
        return out

    def validate_bulky_items(self, value, dispatcher, tracker, domain):
        if isinstance(value, list):  # already checked (the form is resumed)
            return {"bulky_items": value}
        ctx = context()
        nav = self._navigate(value, "bulky_items", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        s = settings()
        table = load_table(s.data_dir, s.database_url)
        parsed = parse_items(str(value), table)
        check_quantities(parsed, ctx.config.max_quantity)
        for route, names in parsed.refused.items():
            dispatcher.utter_message(response=f"utter_bulky_refused_{route}", items="、".join(f"「{n}」" for n in names))
        if parsed.bad_quantity:
            name, quantity = parsed.bad_quantity[0]
            dispatcher.utter_message(response="utter_bulky_items_quantity", item=name, quantity=quantity,
                                     max=ctx.config.max_quantity)
            return {"bulky_items": None}
        if parsed.unknown:
            suggestions = [i for u in parsed.unknown for i in table.suggest(u)][:3]
            dispatcher.utter_message(response="utter_bulky_items_unknown",
                                     items="、".join(f"「{u}」" for u in parsed.unknown),
                                     buttons=[{"title": i.name, "payload": i.name} for i in suggestions])
            return {"bulky_items": None}
        if not parsed.lines:
            if not parsed.refused:
                dispatcher.utter_message(response="utter_bulky_items_unreadable")
            return {"bulky_items": None}
        pieces = sum(line.quantity for line in parsed.lines)
        if pieces > ctx.config.max_pieces:
            dispatcher.utter_message(response="utter_bulky_items_too_many", pieces=pieces, max=ctx.config.max_pieces)
            return {"bulky_items": None}
        dispatcher.utter_message(response="utter_bulky_items_fee", fees=describe(parsed.lines, ctx.config.total_label))
        out = {"bulky_items": [line.as_slot() for line in parsed.lines]}
        if not tracker.get_slot("bulky_request_key"):
            out["bulky_request_key"] = uuid.uuid4().hex
        return out

    def validate_bulky_address(self, value, dispatcher, tracker, domain):
        ctx = context()
        nav = self._navigate(value, "bulky_address", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        city = profile()
        s = settings()
        found = match_address(str(value), area_names(s.database_url, ctx.config),
                              city["city"].get("prefecture", ""), city["city"]["name"])
        if not found.ok:
            response = {OUTSIDE: "utter_bulky_address_outside", NO_NUMBER: "utter_bulky_address_no_number"}.get(
                found.problem, "utter_bulky_address_unknown")
            dispatcher.utter_message(response=response, address=found.address)
            return {"bulky_address": None}
        out = {"bulky_address": found.address, "bulky_area": found.area}
        if tracker.get_slot("requested_slot") == "bulky_address":
            dispatcher.utter_message(response="utter_bulky_address_ok", address=found.address, area=found.area)
        old_area = tracker.get_slot("bulky_area")
        if old_area and old_area != found.area and tracker.get_slot("bulky_date"):
            dispatcher.utter_message(response="utter_bulky_date_reset", area=found.area)
            out["bulky_date"] = None
        return out

    def validate_bulky_date(self, value, dispatcher, tracker, domain):
        ctx = context()
        nav = self._navigate(value, "bulky_date", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        area = tracker.get_slot("bulky_area")
        if not area:  # a date button pressed before the address is known: ask in order
            return {"bulky_date": None}
        return {"bulky_date": check_pickup_date(value, area, ctx, dispatcher)}

    def validate_bulky_name(self, value, dispatcher, tracker, domain):
        ctx = context()
        nav = self._navigate(value, "bulky_name", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        name = clean_name(str(value))
        if name is None:
            dispatcher.utter_message(response="utter_bulky_name_invalid")
        return {"bulky_name": name}

    def validate_bulky_phone(self, value, dispatcher, tracker, domain):
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

    def validate_bulky_payment(self, value, dispatcher, tracker, domain):
        ctx = context()
        nav = self._navigate(value, "bulky_payment", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        choice = payment_choice(value, ctx.config.payment_methods)
        if choice is None:
            dispatcher.utter_message(response="utter_bulky_payment_invalid")
        return {"bulky_payment": choice}

    def validate_bulky_confirmed(self, value, dispatcher, tracker, domain):
        if value is True:
            return {"bulky_confirmed": True}
        if value is False:  # 「修正する」: which one?
            return {"bulky_confirmed": None, "bulky_edit_menu": True}
        ctx = context()
        if value in FIELDS:  # an edit button: /general_inform{"bulky_field": "bulky_address"}
            dispatcher.utter_message(response="utter_bulky_editing", field=ctx.config.field_labels[value])
            return {"bulky_confirmed": None, value: None}
        nav = self._navigate(value, "bulky_confirmed", dispatcher, tracker, ctx)
        if nav is not None:
            return nav
        dispatcher.utter_message(response="utter_bulky_confirm_unclear")
        return {"bulky_confirmed": None}


class ActionAskBulkyDate(Action):
    def name(self) -> str:
        return "action_ask_bulky_date"

    def run(self, dispatcher, tracker, domain):
        ctx = context()
        if ask_date(dispatcher, tracker.get_slot("bulky_area"), ctx, "utter_ask_bulky_date"):
            return []
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + [SlotSet(s, None) for s in BOOKING_SLOTS]


class ActionAskBulkyPayment(Action):
    def name(self) -> str:
        return "action_ask_bulky_payment"

    def run(self, dispatcher, tracker, domain):
        config = load_config(settings().data_dir)
        lines = lines_of(tracker.get_slot("bulky_items"))
        buttons = [{"title": config.payment_label(m), "payload": payload("general_inform", payment_method=m)}
                   for m in config.payment_methods]
        dispatcher.utter_message(response="utter_ask_bulky_payment", buttons=buttons,
                                 total=yen(sum(line.subtotal for line in lines)),
                                 shops=config.sticker.get("shops", ""))
        return []


class ActionAskBulkyConfirmed(Action):
    def name(self) -> str:
        return "action_ask_bulky_confirmed"

    def run(self, dispatcher, tracker, domain):
        config = load_config(settings().data_dir)
        if tracker.get_slot("bulky_edit_menu"):
            fields = [f for f in FIELDS[:-1] if f != "bulky_payment" or len(config.payment_methods) > 1]
            buttons = [{"title": config.field_labels[f], "payload": payload("general_inform", bulky_field=f)}
                       for f in fields]
            dispatcher.utter_message(response="utter_bulky_edit_menu", buttons=buttons)
            return [SlotSet("bulky_edit_menu", None)]
        rows, total_text = summary(tracker.slots, config)
        message = render_message(settings(), "utter_bulky_confirm", channel_of(tracker),
                                 summary=summary_text(config.summary_title, rows, total_text))
        buttons = message.get("buttons") or []
        dispatcher.utter_message(text=message["text"], buttons=buttons,
                                 json_message={"type": "summary", "title": config.summary_title, "rows": rows,
                                               "total": total_text, "buttons": buttons})
        return []


def payment_instructions(dispatcher, booking: BookingView, ctx: Context) -> None:
    """After booking: how to pay, with 処理券 or online (a checkout link)."""
    if booking.payment_method == "online":
        try:
            checkout = payment_service(settings(), lambda: ctx.now).start(booking.number)
        except (PaymentError, NotChangeable, NotFound):
            log.exception("could not open an online payment for booking %s", booking.number)
            dispatcher.utter_message(response="utter_bulky_pay_online_later", number=booking.number)
            return
        dispatcher.utter_message(response="utter_bulky_pay_online", url=checkout.url, total=yen(checkout.amount),
                                 number=booking.number)
        return
    dispatcher.utter_message(response="utter_bulky_pay_sticker", total=yen(booking.total_fee), number=booking.number,
                             shops=ctx.config.sticker.get("shops", ""), how_to=ctx.config.sticker.get("how_to", ""),
                             put_out_by=ctx.config.put_out_by)


class ActionSubmitBulkyBooking(Action):
    def name(self) -> str:
        return "action_submit_bulky_booking"

    def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("bulky_confirmed") is not True:
            return []
        ctx = context()
        draft = Draft(area=tracker.get_slot("bulky_area"), address=tracker.get_slot("bulky_address"),
                      name=tracker.get_slot("bulky_name"), phone=tracker.get_slot("bulky_phone"),
                      pickup_date=calendar.parse_iso(tracker.get_slot("bulky_date")),
                      lines=lines_of(tracker.get_slot("bulky_items")), payment_method=tracker.get_slot("bulky_payment"),
                      channel=channel_of(tracker), sender_id=tracker.sender_id,
                      request_key=tracker.get_slot("bulky_request_key"))
        try:
            booking, _ = ctx.store.reserve(draft, ctx.now)  # a replayed confirmation finds the same booking
        except DateFull:  # someone took the last place since the date was chosen: choose again, keep the rest
            dispatcher.utter_message(response="utter_bulky_date_taken", date=calendar.label(draft.pickup_date))
            return [SlotSet("bulky_date", None), SlotSet("bulky_confirmed", None), ActiveLoop(FORM)]
        dispatcher.utter_message(response="utter_bulky_booked", number=booking.number,
                                 date=calendar.long_label(booking.pickup_date), put_out_by=ctx.config.put_out_by)
        payment_instructions(dispatcher, booking, ctx)
        return [SlotSet(s, None) for s in BOOKING_SLOTS] + [SlotSet("manage_booking", booking.number)]


# -- managing a booking -------------------------------------------------------------------------------------
def wanted_op(tracker) -> str:
    """What the citizen wants done: the button's manage_action, else words in the message, else the status."""
    entities = (tracker.latest_message or {}).get("entities") or []
    value = next((e.get("value") for e in entities if e.get("entity") == "manage_action"), None)
    return value if value in MANAGE_OPS else manage_op((tracker.latest_message or {}).get("text") or "")


def typed_number(message: dict) -> str | None:
    """A booking number in the message: the NLU's (or a button's) booking_number entity, else in the text."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "booking_number":
            number = normalize_booking_number(str(entity.get("value")))
            if number:
                return number
    return find_booking_number(message.get("text") or "")


def manage_buttons(booking: BookingView) -> list[dict]:
    if booking.status != BOOKED:
        return []
    buttons = [("utter_bulky_button_change_date", "change_date"), ("utter_bulky_button_cancel", "cancel")]
    if booking.payment_method == "online" and booking.payment_status in (None, "pending"):
        buttons.append(("utter_bulky_button_pay", "pay"))
    return [{"title": render_message(settings(), response)["text"],
             "payload": payload("garbage_booking_manage", manage_action=op)} for response, op in buttons]


def show_status(dispatcher, booking: BookingView, ctx: Context, channel: str) -> None:
    config = ctx.config
    status = render_message(settings(), f"utter_bulky_status_{booking.status}")["text"]
    rows = [[config.field_labels["bulky_items"], "、".join(f"{line.name} ×{line.quantity}" for line in booking.lines)],
            [config.field_labels["bulky_address"], booking.address],
            [config.field_labels["bulky_date"], calendar.long_label(booking.pickup_date)],
            [config.field_labels["bulky_payment"], config.payment_label(booking.payment_method)]]
    total_text = f"{config.total_label} {yen(booking.total_fee)}"
    payment = ""
    if booking.payment_status:
        payment = render_message(settings(), f"utter_bulky_payment_{booking.payment_status}")["text"]
    message = render_message(settings(), "utter_bulky_status", channel, number=booking.number, status=status,
                             summary=summary_text(config.booking_title, rows, total_text), payment=payment)
    buttons = manage_buttons(booking)
    dispatcher.utter_message(text=message["text"], buttons=buttons,
                             json_message={"type": "summary", "title": f"{config.booking_title} {booking.number}",
                                           "rows": rows + [["", status]], "total": total_text, "buttons": buttons})


def changeable(dispatcher, booking: BookingView, ctx: Context) -> bool:
    if booking.status != BOOKED:
        dispatcher.utter_message(response="utter_bulky_not_changeable", number=booking.number,
                                 status=render_message(settings(), f"utter_bulky_status_{booking.status}")["text"])
        return False
    deadline = calendar.change_deadline(booking.pickup_date, ctx.config)
    if ctx.today > deadline:
        dispatcher.utter_message(response="utter_bulky_deadline_passed", deadline=calendar.label(deadline),
                                 date=calendar.label(booking.pickup_date))
        return False
    return True


def run_op(op: str, booking: BookingView, dispatcher, ctx: Context, channel: str) -> list:
    """Do what the citizen asked with a booking whose owner is known."""
    if op == "change_date" and changeable(dispatcher, booking, ctx):
        return [SlotSet("manage_new_date", None), ActiveLoop("bulky_change_form")]
    if op == "cancel" and changeable(dispatcher, booking, ctx):
        return [SlotSet("manage_cancel_confirmed", None), ActiveLoop("bulky_cancel_form")]
    if op == "pay":
        if booking.payment_method != "online" or booking.payment_status not in (None, "pending"):
            show_status(dispatcher, booking, ctx, channel)
            return []
        payment_instructions(dispatcher, booking, ctx)
        return []
    if op == "status":
        if booking.payment_status == "pending":
            try:
                payment_service(settings(), lambda: ctx.now).refresh(booking.number)
                booking = ctx.store.get(booking.number) or booking
            except PaymentError:
                log.warning("could not ask the payment provider about booking %s", booking.number)
        show_status(dispatcher, booking, ctx, channel)
    return []


class ActionBulkyManage(Action):
    """「予約を確認したい」 and the buttons under a booking: find out whose booking it is, then act."""

    def name(self) -> str:
        return "action_bulky_manage"

    def run(self, dispatcher, tracker, domain):
        ctx = context()
        op, channel = wanted_op(tracker), channel_of(tracker)
        events = [SlotSet("manage_op", op)]
        number = tracker.get_slot("manage_booking")
        typed = typed_number(tracker.latest_message or {})
        if typed and typed != number:
            number = None
        if number is None and channel == "line":  # a LINE user is known: their own bookings need no phone number
            own = ctx.store.for_sender("line", tracker.sender_id, ctx.today)
            mine = [b for b in own if b.number == typed] if typed else own
            if len(mine) == 1:
                number = mine[0].number
                events.append(SlotSet("manage_booking", number))
            elif len(mine) > 1:
                buttons = [{"title": f"{b.number} {calendar.label(b.pickup_date)}",
                            "payload": payload("garbage_booking_manage", booking_number=b.number, manage_action=op)}
                           for b in mine]
                dispatcher.utter_message(response="utter_bulky_choose_booking", buttons=buttons)
                return events
        booking = ctx.store.get(number) if number else None
        if booking is None:
            return events + [SlotSet("manage_booking", None), SlotSet("manage_number", typed),
                             SlotSet("manage_phone", None), ActiveLoop("bulky_manage_form")]
        return events + run_op(op, booking, dispatcher, ctx, channel)


class ValidateBulkyManageForm(FormValidationAction):
    def name(self) -> str:
        return "validate_bulky_manage_form"

    def validate_manage_number(self, value, dispatcher, tracker, domain):
        number = normalize_booking_number(str(value)) or find_booking_number(str(value))
        if number is None:
            dispatcher.utter_message(response="utter_bulky_manage_number_invalid")
        return {"manage_number": number}

    def validate_manage_phone(self, value, dispatcher, tracker, domain):
        phone = normalize_phone(str(value))
        if phone is None:
            dispatcher.utter_message(response="utter_bulky_phone_invalid")
        return {"manage_phone": phone}


class ActionBulkyManageVerify(Action):
    """After the number and phone number are given: the booking, only when both match."""

    def name(self) -> str:
        return "action_bulky_manage_verify"

    def run(self, dispatcher, tracker, domain):
        ctx = context()
        number, phone = tracker.get_slot("manage_number"), tracker.get_slot("manage_phone")
        booking = ctx.store.find(number, phone) if number and phone else None
        events = [SlotSet("manage_number", None), SlotSet("manage_phone", None)]
        if booking is None:
            dispatcher.utter_message(response="utter_bulky_manage_not_found")
            return events
        events.append(SlotSet("manage_booking", booking.number))
        return events + run_op(tracker.get_slot("manage_op") or "status", booking, dispatcher, ctx,
                               channel_of(tracker))


class ValidateBulkyChangeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_bulky_change_form"

    def validate_manage_new_date(self, value, dispatcher, tracker, domain):
        ctx = context()
        booking = ctx.store.get(tracker.get_slot("manage_booking") or "")
        if booking is None:
            return {"manage_new_date": None}
        return {"manage_new_date": check_pickup_date(value, booking.area, ctx, dispatcher, current=booking.pickup_date)}


class ActionAskManageNewDate(Action):
    def name(self) -> str:
        return "action_ask_manage_new_date"

    def run(self, dispatcher, tracker, domain):
        ctx = context()
        booking = ctx.store.get(tracker.get_slot("manage_booking") or "")
        if booking and ask_date(dispatcher, booking.area, ctx, "utter_ask_manage_new_date",
                                exclude=booking.pickup_date):
            return []
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("manage_new_date", None)]


class ActionBulkyChangeDate(Action):
    def name(self) -> str:
        return "action_bulky_change_date"

    def run(self, dispatcher, tracker, domain):
        ctx = context()
        number, new_date = tracker.get_slot("manage_booking"), calendar.parse_iso(tracker.get_slot("manage_new_date"))
        events = [SlotSet("manage_new_date", None)]
        if not number or new_date is None:
            return events
        try:
            booking = ctx.store.change_date(number, new_date, ctx.now)
        except DateFull:
            dispatcher.utter_message(response="utter_bulky_date_taken", date=calendar.label(new_date))
            return events + [ActiveLoop("bulky_change_form")]
        except DeadlinePassed as exc:
            dispatcher.utter_message(response="utter_bulky_deadline_passed", deadline=calendar.label(exc.deadline),
                                     date=calendar.label(exc.pickup))
            return events
        except (NotChangeable, NotFound):
            dispatcher.utter_message(response="utter_bulky_manage_not_found")
            return events
        dispatcher.utter_message(response="utter_bulky_date_changed", number=booking.number,
                                 date=calendar.long_label(booking.pickup_date), put_out_by=ctx.config.put_out_by)
        return events


class ValidateBulkyCancelForm(FormValidationAction):
    def name(self) -> str:
        return "validate_bulky_cancel_form"

    def validate_manage_cancel_confirmed(self, value, dispatcher, tracker, domain):
        if isinstance(value, bool):
            return {"manage_cancel_confirmed": value}
        dispatcher.utter_message(response="utter_bulky_confirm_unclear")
        return {"manage_cancel_confirmed": None}


class ActionBulkyCancelBooking(Action):
    def name(self) -> str:
        return "action_bulky_cancel_booking"

    def run(self, dispatcher, tracker, domain):
        number = tracker.get_slot("manage_booking")
        events = [SlotSet("manage_cancel_confirmed", None)]
        if tracker.get_slot("manage_cancel_confirmed") is not True or not number:
            dispatcher.utter_message(response="utter_bulky_cancel_kept")
            return events
        ctx = context()
        try:
            booking = ctx.store.cancel(number, ctx.now)
        except DeadlinePassed as exc:
            dispatcher.utter_message(response="utter_bulky_deadline_passed", deadline=calendar.label(exc.deadline),
                                     date=calendar.label(exc.pickup))
            return events
        except (NotChangeable, NotFound):
            dispatcher.utter_message(response="utter_bulky_manage_not_found")
            return events
        try:
            settled = payment_service(settings(), lambda: ctx.now).settle_cancelled(number)
        except PaymentError:
            log.exception("booking %s is cancelled but its payment could not be settled", number)
            settled = "failed"
        dispatcher.utter_message(response="utter_bulky_cancelled", number=booking.number,
                                 date=calendar.long_label(booking.pickup_date))
        if settled == "refunded":
            dispatcher.utter_message(response="utter_bulky_refunded", total=yen(booking.total_fee))
        elif settled == "failed":
            dispatcher.utter_message(response="utter_bulky_refund_pending")
        elif booking.payment_method == "sticker":
            dispatcher.utter_message(response="utter_bulky_sticker_refund")
        return events

