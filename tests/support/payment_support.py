"""Bookings paid online with the sandbox provider, for the payment tests: a booking, its charge, signed callbacks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.store.db import session_factory
from bot.store.migrate import upgrade
from services.booking.config import load_config
from services.booking.fees import load_table
from services.booking.service import BookingStore, Draft
from services.payments.models import Payment
from services.payments.sandbox import SIGNATURE_HEADER, SandboxLedger, sign

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
SECRET = "test-sandbox-secret"  # PAYMENT_SANDBOX_SECRET of the payment tests


def booked(settings, sender="web-1") -> str:
    """A booking of two sofas (2,000 yen) to be paid online; returns its number."""
    upgrade(settings.database_url)
    store = BookingStore(settings.database_url, load_config(settings.data_dir))
    draft = Draft(
        area="泉野",
        address="泉野町1-1",
        name="山田花子",
        phone="09012345678",
        pickup_date=date(2026, 11, 25),
        items=(("sofa", 2),),
        payment_method="online",
        channel="rest",
        sender_id=sender,
    )
    return store.reserve(draft, NOW, load_table(settings.data_dir, settings.database_url))[0].number


def charge_id(settings, payment_id: str) -> str:
    """The sandbox charge behind our payment (its provider_ref)."""
    with session_factory(settings.database_url)() as s:
        return s.scalar(select(Payment.provider_ref).where(Payment.id == payment_id))


def paid_callback(settings, payment_id: str, timestamp: int | None = None) -> tuple[bytes, dict]:
    """The citizen pays at the sandbox; returns the completion callback it sends (body, signed headers)."""
    ledger = SandboxLedger(settings.database_url, SECRET)
    charge = ledger.get(charge_id(settings, payment_id))
    return ledger.completion(ledger.pay(charge.id), timestamp)


def signed(event: dict) -> tuple[bytes, dict]:
    """Any sandbox event, signed as the sandbox signs (a refund made in its dashboard, a provider's mistake...)."""
    return signed_body(json.dumps(event).encode())


def signed_body(body: bytes) -> tuple[bytes, dict]:
    """Any body with a valid sandbox signature."""
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(SECRET, body, int(time.time()))}


def eventually(condition: Callable[[], bool], timeout: float = 15) -> bool:
    """Whether `condition` holds within `timeout` seconds (callbacks are sent by a worker thread, after the page)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def status(settings, number: str) -> tuple[str, str | None]:
    """(booking status, payment status) as staff see them."""
    booking = BookingStore(settings.database_url, load_config(settings.data_dir)).get(number)
    return booking.status, booking.payment_status
