"""Wiring of online payments for one installation: the configured provider, and telling the citizen once paid.
Used by the booking actions and by the payment callback endpoint alike."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.formats import load_formats
from bot.messages import render
from bot.notify import notifier_for
from services.booking.config import load_config
from services.booking.service import BookingView

from . import callback_url, make_provider
from .service import PaymentService

log = logging.getLogger(__name__)


def payment_service(settings, now: Callable[[], datetime]) -> PaymentService:
    config = load_config(settings.data_dir)

    def on_paid(booking: BookingView) -> None:
        formats = load_formats(settings.data_dir)
        text = render(
            settings,
            "utter_bulky_payment_received",
            booking.channel,
            number=booking.number,
            date=formats.date(booking.pickup_date, "long_date"),
            total=formats.money(booking.total_fee),
        )
        notifier_for(booking.channel, settings).send(booking.sender_id, text, f"paid:{booking.number}")

    provider = make_provider(config.payment_provider, settings)
    return PaymentService(
        settings.database_url,
        provider,
        callback_url(settings, provider.name),
        now,
        lambda number: render(settings, "utter_payment_description", number=number),
        on_paid,
    )
