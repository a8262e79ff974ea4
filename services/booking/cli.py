"""`bot remind` and `bot booking list|mark|capacity|export`: the reminder job and the staff's tools."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.clock import now
from bot.store.migrate import upgrade

from . import reminders, staff
from .config import load_config
from .contact import normalize_booking_number
from .service import BookingStore


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-25") from None


def _number(value: str) -> str:
    number = normalize_booking_number(value)
    if not number:
        raise argparse.ArgumentTypeError(f"{value!r} is not a booking number like SD-ABCD-EFGH")
    return number


def _store(settings) -> BookingStore:
    upgrade(settings.database_url)
    return BookingStore(settings.database_url, load_config(settings.data_dir))


def cmd_remind(args, settings) -> int:
    upgrade(settings.database_url)
    result = reminders.run(settings, now(settings))
    print(f"reminders sent: {result.sent}, failed: {result.failed}")
    return 1 if result.failed else 0


def cmd_list(args, settings) -> int:
    store = _store(settings)
    bookings = store.day_list(args.date, args.area)
    print(staff.text_list(bookings, settings) or f"{args.date.isoformat()}: no bookings")
    for area, capacity, booked in store.day_capacity(args.date):
        if not args.area or area == args.area:
            print(f"# {area}: {booked}/{capacity}")
    return 0


def cmd_mark(args, settings) -> int:
    booking = _store(settings).mark(args.number, args.status, now(settings))
    print(f"{booking.number}: {booking.status}")
    return 0


def cmd_capacity(args, settings) -> int:
    store = _store(settings)
    if args.set is None:
        counts = store.booked_counts(args.area, args.date, args.date)
        capacity, booked = counts.get(args.date, (store.config.area_capacity(args.area), 0))
    else:
        capacity, booked = store.set_capacity(args.area, args.date, args.set)
    print(f"{args.area} {args.date.isoformat()}: {booked} booked of {capacity}")
    return 0


def cmd_export(args, settings) -> int:
    bookings = _store(settings).day_list(args.date, args.area)
    if args.out == "-":
        staff.write_csv(bookings, sys.stdout, settings)
    else:
        with open(Path(args.out), "w", encoding="utf-8-sig", newline="") as fh:
            staff.write_csv(bookings, fh, settings)
        print(f"wrote {sum(b.status != 'cancelled' for b in bookings)} booking(s) to {args.out}")
    return 0


def add_commands(subparsers, settings_factory) -> None:
    """Called by bot.cli; every handler gets (args, settings)."""
    p = subparsers.add_parser("remind", help="send the day-before reminders of bulky-waste pickups (run daily)")
    p.set_defaults(func=cmd_remind)

    p = subparsers.add_parser("booking", help="bulky-waste bookings: staff tools")
    sub = p.add_subparsers(dest="booking_command", required=True)
    s = sub.add_parser("list", help="bookings of one pickup day")
    s.add_argument("--date", type=_date, required=True)
    s.add_argument("--area")
    s.set_defaults(func=cmd_list)
    s = sub.add_parser("mark", help="record a pickup as collected or missed")
    s.add_argument("number", type=_number)
    s.add_argument("status", choices=["collected", "missed"])
    s.set_defaults(func=cmd_mark)
    s = sub.add_parser("capacity", help="show or set the bookings an area can take on one day")
    s.add_argument("--area", required=True)
    s.add_argument("--date", type=_date, required=True)
    s.add_argument("--set", type=int, metavar="N")
    s.set_defaults(func=cmd_capacity)
    s = sub.add_parser("export", help="the collection crews' CSV of one pickup day")
    s.add_argument("--date", type=_date, required=True)
    s.add_argument("--area")
    s.add_argument("--out", required=True, help="file to write, or - for standard output")
    s.set_defaults(func=cmd_export)
