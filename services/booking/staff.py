"""What staff and collection crews read: a day's bookings as rows, as a CSV file and as a text list."""
from __future__ import annotations

import csv
from typing import TextIO

from .contact import format_phone
from .service import BookingView

# Column headings of the crews' CSV (their own vocabulary, so Japanese).
CSV_HEADER = ["受付番号", "収集日", "地区", "住所", "氏名", "電話番号", "品目", "点数", "手数料", "支払方法",
              "支払状況", "状態"]
STATUS_LABELS = {"booked": "予約", "cancelled": "取消", "collected": "収集済", "missed": "未収集"}
PAYMENT_LABELS = {"sticker": "処理券", "online": "オンライン"}
PAYMENT_STATUS_LABELS = {None: "", "pending": "未払い", "paid": "支払済", "refunded": "返金済", "cancelled": "取消"}


def items_text(booking: BookingView) -> str:
    return "、".join(f"{line.name}×{line.quantity}" for line in booking.lines)


def row(booking: BookingView) -> list[str]:
    return [booking.number, booking.pickup_date.isoformat(), booking.area, booking.address, booking.name,
            format_phone(booking.phone), items_text(booking), str(sum(line.quantity for line in booking.lines)),
            str(booking.total_fee), PAYMENT_LABELS.get(booking.payment_method, booking.payment_method),
            PAYMENT_STATUS_LABELS.get(booking.payment_status, booking.payment_status or ""),
            STATUS_LABELS.get(booking.status, booking.status)]


def write_csv(bookings: list[BookingView], fh: TextIO) -> None:
    """The crews' list; open the file with encoding utf-8-sig so spreadsheet programs read the Japanese."""
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(row(b) for b in bookings if b.status != "cancelled")


def text_list(bookings: list[BookingView]) -> str:
    lines = []
    for b in bookings:
        r = row(b)
        lines.append(f"{r[0]}  {r[2]}  {r[11]}  {r[3]}  {r[4]}  {r[5]}  {r[6]}  {r[8]}円 {r[9]}{r[10] and '/' + r[10]}")
    return "\n".join(lines)
