"""What the booking actions share: the per-call context (config, store, fee table, now), keeping personal data out
of group chats, and asking for or checking a date."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.clock import now
from bot.formats import Formats, load_formats
from services.areas.directory import NoAreas, load
from services.areas.matching import match_address
from services.common import profile, settings
from services.general.forms import declined_out_of_scope
from services.payments.base import PaymentError
from services.payments.billing import payment_service

from .. import calendar
from ..config import BookingConfig, load_config
from ..conversation import FIELDS, asks_something_else, date_buttons, date_picker, lines_of, looks_like_phone
from ..fees import FeeTable, load_table, total
from ..service import BookingStore, BookingView, NotChangeable, NotFound

log = logging.getLogger(__name__)
NEAR_DAYS = 183  # dates this close to today are written without their year

BOOKING_SLOTS = (*FIELDS, "bulky_area", "bulky_request_key", "bulky_edit_menu")
# Chat types in the message metadata (`chat_type`, sent by the LINE connector) that more than one person reads.
GROUP_CHATS = ("group", "room")
_ISO_SHAPE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass
class Context:
    config: BookingConfig
    store: BookingStore
    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def fees(self) -> FeeTable:
        s = settings()
        return load_table(s.data_dir, s.database_url)

    @property
    def formats(self) -> Formats:
        return load_formats(settings().data_dir)


def context() -> Context:
    s = settings()
    config = load_config(s.data_dir)
    return Context(config, BookingStore(s.database_url, config), now(s))


def filled(tracker: Tracker, slot: str) -> str:
    """A text slot the form has filled and validated by now (rasa_sdk types every slot as optional)."""
    return cast(str, tracker.get_slot(slot))


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


def in_group_chat(tracker: Tracker) -> bool:
    """Whether the latest message came from a chat that several people read (a LINE group or room): bookings ask for
    a name and a phone number that every member would read, and anyone there could change them."""
    metadata = (tracker.get_last_event_for("user") or {}).get("metadata")
    return isinstance(metadata, dict) and metadata.get("chat_type") in GROUP_CHATS


# -- dates, shared by the booking form and moving a booking ---------------------------------------------------
def typed(tracker: Tracker) -> bool:
    """Whether the citizen typed the latest message (a button's payload starts with a slash)."""
    return not str((tracker.latest_message or {}).get("text") or "/").startswith("/")


def an_address(text: str) -> str | None:
    """The address of the city that `text` is, with its house number (「泉野町3丁目5-1」), or None."""
    try:
        areas = load(settings().database_url)
    except NoAreas:
        return None
    city = profile()["city"]
    found = match_address(text, areas, city.get("prefecture", ""), city["name"])
    return found.address if found.ok else None


def said_address(tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
    """A typed address where a date is asked (「泉野町3丁目5-1」 reads as 5月1日): say so, rather than check a date
    the citizen never meant."""
    address = an_address(str((tracker.latest_message or {}).get("text") or "")) if typed(tracker) else None
    if address:
        dispatcher.utter_message(response="utter_bulky_date_looks_like_address", address=address)
    return address is not None


def said_phone(tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
    """A typed phone number where a date is asked (「090-1111-2222」 read as 1111月2222日): say that a date is
    asked. The number is not repeated back: it is personal data."""
    if typed(tracker) and looks_like_phone((tracker.latest_message or {}).get("text")):
        dispatcher.utter_message(response="utter_bulky_date_looks_like_phone")
        return True
    return False


def date_entities(tracker: Tracker) -> list[dict[str, Any]]:
    """The dates the NLU read in the latest message (entities with `value` ISO and `start`/`end` in its text)."""
    return [e for e in (tracker.latest_message or {}).get("entities") or [] if e.get("entity") == "date"]


def validate_date_answer(
    value: Any,
    slot: str,
    area: str,
    ctx: Context,
    tracker: Tracker,
    dispatcher: CollectingDispatcher,
    current: date | None = None,
) -> dict[str, Any]:
    """The slot changes for an answer at a date prompt: {slot: ISO date} for a date that can be booked, else the
    citizen is told why and `slot` stays empty.

    A typed date, even one that cannot be booked, an address or a phone number is this prompt's answer whatever
    intent the NLU read in it (「3日」 reads as garbage_collection_day): naming `requested_slot` tells the engine the
    form took it. A question of its own (「12月3日は燃えるごみの日ですか」) and text without a date are not taken, so
    the rule for their intent can answer them."""
    if not typed(tracker):  # a button's or the date picker's ISO date
        return {slot: check_pickup_date(value, area, ctx, dispatcher, current=current)}
    taken = {slot: None, "requested_slot": slot} if tracker.get_slot("requested_slot") == slot else {slot: None}
    if said_phone(tracker, dispatcher) or said_address(tracker, dispatcher):
        return taken
    message = tracker.latest_message or {}
    dates = date_entities(tracker)
    if not dates:
        if declined_out_of_scope(tracker, dispatcher):  # 「パスポートを作りたい」: another service's question
            return taken
        dispatcher.utter_message(response="utter_bulky_date_unreadable")
        return {slot: None}
    if asks_something_else(message.get("text"), [(e["start"], e["end"]) for e in dates]):
        dispatcher.utter_message(response="utter_bulky_date_question", date=dates[0].get("text"))
        return {slot: None}
    day = check_pickup_date(dates[0]["value"], area, ctx, dispatcher, current=current, echo=True)
    return {slot: day} if day else taken


def check_pickup_date(
    value: Any,
    area: str,
    ctx: Context,
    dispatcher: CollectingDispatcher,
    current: date | None = None,
    echo: bool = False,
) -> str | None:
    """The ISO date when `value` can be booked in `area`; otherwise tell why and return None. A date the citizen
    typed (`echo`) and accepted is repeated back (「12月2日(水)ですね」); a refusal names the date it refuses."""
    config = ctx.config
    result = calendar.check_date(value, ctx.today, config)
    earliest, latest = calendar.earliest(ctx.today, config), calendar.latest(ctx.today, config)
    if result.day is None:  # calendar.INVALID, the one problem without a day
        impossible = _ISO_SHAPE.fullmatch(str(value))  # 2月30日 as the date extractor gives it, not 090-1111-2222
        if impossible:
            dispatcher.utter_message(
                response="utter_bulky_date_impossible", month=int(impossible.group(2)), day=int(impossible.group(3))
            )
        else:
            dispatcher.utter_message(response="utter_bulky_date_unreadable")
        return None
    # Within half a year the month and day say which date; further off (2030-01-01 from a forged date picker, last
    # year's date) the year is written too.
    near = abs((result.day - ctx.today).days) <= NEAR_DAYS
    label = ctx.formats.date(result.day, "date" if near else "long_date")
    if result.problem == calendar.PAST:
        dispatcher.utter_message(response="utter_bulky_date_past", date=label)
    elif result.problem == calendar.TOO_SOON:
        dispatcher.utter_message(response="utter_bulky_date_too_soon", date=label, earliest=ctx.formats.date(earliest))
    elif result.problem == calendar.TOO_FAR:
        dispatcher.utter_message(response="utter_bulky_date_too_far", date=label, latest=ctx.formats.date(latest))
    elif result.problem == calendar.HOLIDAY:
        dispatcher.utter_message(response="utter_bulky_date_holiday", date=label, holiday=result.holiday)
    elif result.problem in (calendar.CLOSED, calendar.NO_PICKUP_WEEKDAY):
        dispatcher.utter_message(response="utter_bulky_date_no_pickup", date=label)
    elif result.day == current:
        dispatcher.utter_message(response="utter_bulky_date_same", date=label)
    elif ctx.store.places_left(area, result.day) <= 0:
        dispatcher.utter_message(response="utter_bulky_date_full", date=label)
    else:
        if echo:
            dispatcher.utter_message(response="utter_bulky_date_typed", date=label)
        return result.day.isoformat()
    return None


def ask_date(
    dispatcher: CollectingDispatcher,
    area: str,
    ctx: Context,
    response: str,
    extra_buttons: list[dict[str, Any]],
    exclude: date | None = None,
) -> bool:
    """Offer the next free dates as buttons (then `extra_buttons`: やめる) plus a date picker; False when the area
    has none at all."""
    free = ctx.store.free_dates(area, ctx.today, ctx.config.date_buttons, exclude=exclude)
    if not free:
        dispatcher.utter_message(response="utter_bulky_no_dates", area=area)
        return False
    latest = calendar.latest(ctx.today, ctx.config)
    dispatcher.utter_message(
        response=response,
        area=area,
        latest=ctx.formats.date(latest),
        buttons=date_buttons(free, ctx.formats) + extra_buttons,
        json_message=date_picker(free[0], latest),
    )
    return True


FEE_RESPONSES = {
    None: "utter_bulky_fee_total",
    "online": "utter_bulky_fee_online",
    "sticker": "utter_bulky_fee_sticker",
}


def fee_answer(tracker: Tracker, ctx: Context) -> dict[str, Any]:
    """Before booking: what it costs (the utter_message arguments), from the items the form priced, and how the
    method chosen is paid; before any item is priced, that the fee depends on the items."""
    if not tracker.get_slot("bulky_items") or tracker.get_slot("requested_slot") == "bulky_items":
        return {"response": "utter_bulky_fee_by_item"}
    return {
        "response": FEE_RESPONSES.get(tracker.get_slot("bulky_payment"), "utter_bulky_fee_total"),
        "total": ctx.formats.money(total(lines_of(tracker.get_slot("bulky_items")))),
        "shops": ctx.config.sticker.get("shops", ""),
        "put_out_by": ctx.config.put_out_by,
    }


def payment_instructions(dispatcher: CollectingDispatcher, booking: BookingView, ctx: Context) -> None:
    """After booking: how to pay, with 処理券 or online (a checkout link)."""
    if booking.payment_method == "online":
        try:
            checkout = payment_service(settings(), lambda: ctx.now).start(booking.number)
        except (PaymentError, NotChangeable, NotFound):
            log.exception("could not open an online payment for booking %s", booking.number)
            dispatcher.utter_message(response="utter_bulky_pay_online_later", number=booking.number)
            return
        dispatcher.utter_message(
            response="utter_bulky_pay_online",
            url=checkout.url,
            total=ctx.formats.money(checkout.amount),
            number=booking.number,
        )
        return
    dispatcher.utter_message(
        response="utter_bulky_pay_sticker",
        total=ctx.formats.money(booking.total_fee),
        number=booking.number,
        shops=ctx.config.sticker.get("shops", ""),
        how_to=ctx.config.sticker.get("how_to", ""),
        put_out_by=ctx.config.put_out_by,
    )
