"""What a payment provider must do for bulky-waste fees; PayPay or a card processor is one small adapter.

The adapter turns its provider's API into these calls and its webhook into `CallbackEvent`s. Everything about
our own state (pending → paid → refunded, idempotency, late callbacks) lives in services.payments.service,
so an adapter stays small and holds no business rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.errors import BotError

# CallbackEvent.type
PAID, REFUNDED = "paid", "refunded"
# Provider-side states that `status()` reports
OPEN, SETTLED, VOIDED, RETURNED = "open", "paid", "cancelled", "refunded"
# Providers' ids, our ids and event types are short printable ASCII; anything else in a callback is refused
_ID, _TYPE = re.compile(r"[!-~]{1,128}"), re.compile(r"[!-~]{1,32}")


class PaymentError(BotError):
    """The provider refused or could not be reached; the message says whether to retry."""


class InvalidCallback(PaymentError):
    """A callback whose signature, timestamp or body does not check out: answered 400 and ignored."""


@dataclass(frozen=True)
class Checkout:
    provider_ref: str  # the provider's id of this payment
    url: str  # the hosted payment page the citizen opens


@dataclass(frozen=True)
class CallbackEvent:
    event_id: str  # unique per event at the provider: a repeat is recognised
    type: str  # PAID | REFUNDED (others are ignored)
    payment_id: str  # our Payment.id, which the checkout carried
    provider_ref: str
    amount: int

    def __post_init__(self) -> None:
        # Signed by the provider, yet checked: these values go into bounded columns, and a bad one is a 400, not a
        # database error.
        ids = (self.event_id, self.payment_id, self.provider_ref)
        if not all(isinstance(v, str) and _ID.fullmatch(v) for v in ids):
            raise InvalidCallback("The callback's ids are not short printable ASCII.")
        if not (isinstance(self.type, str) and _TYPE.fullmatch(self.type)):
            raise InvalidCallback("The callback's type is not a short printable ASCII word.")
        if not 0 <= self.amount < 2**31:
            raise InvalidCallback("The callback's amount is out of range.")


class Headers(Protocol):
    """A callback's HTTP headers: Flask's (looked up case-insensitively, not a Mapping) or a plain dict."""

    def get(self, key: str, default: str, /) -> str: ...


class PaymentProvider(Protocol):
    name: str

    def create_checkout(self, payment_id: str, amount: int, description: str, callback_url: str) -> Checkout:
        """Open a payment of `amount` yen; calling it again with the same `payment_id` returns the same checkout."""

    def parse_callback(self, body: bytes, headers: Headers) -> CallbackEvent:
        """Verify the callback's signature on the raw body and read it; raise InvalidCallback otherwise."""

    def status(self, provider_ref: str) -> str:
        """OPEN, SETTLED, VOIDED or RETURNED: for reconciling when a callback was lost."""

    def cancel_checkout(self, provider_ref: str) -> bool:
        """Void an unpaid checkout; False when it was paid already (then refund it)."""

    def refund(self, provider_ref: str, amount: int, idempotency_key: str) -> str:
        """Refund a paid checkout in full; the same key never refunds twice. Returns the refund's id."""
