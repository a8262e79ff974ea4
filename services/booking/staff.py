"""What staff and collection crews read: a day's bookings as rows, as a CSV file and as a text list.

The words are data: the CSV headings and the crews' short status words are domain.yml responses
(`utter_bulky_staff_*`), the payment methods are data/bulky.yml's labels, as citizens see them.
"""

from __future__ import annotations

import csv
from typing import TextIO

from bot import csvsafe
from bot.formats import load_formats
from bot.messages import render

from .config import load_config
from .contact import format_phone
from .service import BookingView


def items_text(booking: BookingView) -> str:
    return "、".join(f"{line.name}×{line.quantity}" for line in booking.lines)


def row(booking: BookingView, settings) -> list[str]:
    payment = render(settings, f"utter_bulky_staff_payment_{booking.payment_status}") if booking.payment_status else ""
    return [
        booking.number,
        booking.pickup_date.isoformat(),
        booking.area,
        booking.address,
        booking.name,
        format_phone(booking.phone),
        items_text(booking),
        str(sum(line.quantity for line in booking.lines)),
        str(booking.total_fee),
        load_config(settings.data_dir).payment_label(booking.payment_method),
        payment,
        render(settings, f"utter_bulky_staff_status_{booking.status}"),
    ]


def write_csv(bookings: list[BookingView], fh: TextIO, settings) -> None:
    """The crews' list; open the file with encoding utf-8-sig so spreadsheet programs read the Japanese. What
    citizens typed (names, addresses) cannot become a spreadsheet formula (bot.csvsafe)."""
    headings = next(csv.reader([render(settings, "utter_bulky_staff_columns")]))
    csvsafe.write_rows(fh, [headings, *(row(b, settings) for b in bookings if b.status != "cancelled")])


def text_list(bookings: list[BookingView], settings) -> str:
    formats = load_formats(settings.data_dir)
    lines = []
    for b in bookings:
        r = row(b, settings)
        lines.append(
            f"{r[0]}  {r[2]}  {r[11]}  {r[3]}  {r[4]}  {r[5]}  {r[6]}  {formats.money(b.total_fee)} {r[9]}{r[10] and '/' + r[10]}"
        )
    return "\n".join(lines)
