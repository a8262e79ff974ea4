"""A local payment service for development and tests, behaving like a real one, and its provider adapter.

The service side (`SandboxLedger`) keeps its own charges, serves a hosted payment page
(services/payments/sandbox_web.py, /pay/sandbox/<id>) and, once the citizen pays, queues an HMAC-signed completion
callback for the merchant's callback URL, as PayPay or a card processor would: a worker thread sends it
(`deliver_due`), retried with backoff, so the page answers at once and never waits on the merchant, which here is
this same server. The adapter side (`SandboxProvider`) is what services.payments.service talks to, through the
PaymentProvider interface.

The shared secret is PAYMENT_SANDBOX_SECRET; outside production (BOT_ENV != production) one is generated once
and kept in var/payment_sandbox_secret, so every process of one installation agrees on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.secret import installation_secret
from bot.store.db import session_factory
from connectors.request_json import loads

from .base import (
    OPEN,
    PAID,
    REFUNDED,
    RETURNED,
    SETTLED,
    VOIDED,
    CallbackEvent,
    Checkout,
    Headers,
    InvalidCallback,
    PaymentError,
)
from .models import SandboxCallback, SandboxCharge

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"
SIGNATURE_TOLERANCE = 300  # seconds a signed callback stays valid (replays of old captures are refused)
DELIVERY_ATTEMPTS = 10  # then the callback is given up; the merchant reconciles by asking `status`
DELIVERY_TIMEOUT = 5  # seconds per callback POST
DELIVERY_BACKOFF = 1  # seconds before the first retry, doubled after each failure …
MAX_BACKOFF = 300  # … up to this
DELIVERY_BATCH = 20  # callbacks sent per step of the worker
CHARGE_ID = re.compile(r"sbx_[A-Za-z0-9_-]{24}")  # what `open` makes: anything else is no charge of ours


def sandbox_secret(settings) -> str:
    """PAYMENT_SANDBOX_SECRET, or outside production the installation's generated one (made on first use)."""
    return installation_secret(settings, settings.payment_sandbox_secret, "PAYMENT_SANDBOX_SECRET")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, now: float) -> None:
    try:
        parts = dict(p.split("=", 1) for p in (header or "").split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (ValueError, KeyError):
        raise InvalidCallback(f"The {SIGNATURE_HEADER} header is missing or malformed.") from None
    if abs(now - timestamp) > SIGNATURE_TOLERANCE:
        raise InvalidCallback("The callback's signature has expired.")
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise InvalidCallback("The callback's signature does not match.")


@dataclass(frozen=True)
class Charge:
    id: str
    merchant_ref: str
    amount: int
    description: str
    callback_url: str
    status: str

    @classmethod
    def of(cls, row: SandboxCharge) -> Charge:
        return cls(row.id, row.merchant_ref, row.amount, row.description, row.callback_url, row.status)


class SandboxLedger:
    """The payment service's own books: charges and their states (open → paid → refunded, open → cancelled)."""

    def __init__(self, database_url: str, secret: str):
        self.Session = session_factory(database_url)
        self.secret = secret

    def open(self, merchant_ref: str, amount: int, description: str, callback_url: str) -> Charge:
        with self.Session() as s, s.begin():
            row = s.scalar(select(SandboxCharge).where(SandboxCharge.merchant_ref == merchant_ref))
            if row is None:
                row = SandboxCharge(
                    id="sbx_" + secrets.token_urlsafe(18),  # 24 characters: CHARGE_ID
                    merchant_ref=merchant_ref,
                    amount=amount,
                    description=description[:200],
                    callback_url=callback_url,
                    status=OPEN,
                    created_at=datetime.now().astimezone(),
                )
                s.add(row)
            return Charge.of(row)

    def get(self, charge_id: str) -> Charge | None:
        if not CHARGE_ID.fullmatch(charge_id):
            return None
        with self.Session() as s:
            row = s.get(SandboxCharge, charge_id)
            return Charge.of(row) if row else None

    def _move(
        self, charge_id: str, source: str, target: str, then: Callable[[Session, Charge], None] | None = None, **values
    ) -> Charge:
        """Move a charge from `source` to `target` (nothing when it is elsewhere); `then` runs in the same
        transaction when it moved."""
        with self.Session() as s, s.begin():
            moved = s.execute(
                update(SandboxCharge)
                .where(SandboxCharge.id == charge_id, SandboxCharge.status == source)
                .values(status=target, **values)
            ).rowcount
            row = s.get(SandboxCharge, charge_id)
            if row is None:
                raise PaymentError(f"No sandbox charge {charge_id}.")
            charge = Charge.of(row)
            if moved and then is not None:
                then(s, charge)
            return charge

    def pay(self, charge_id: str) -> Charge:
        """The citizen pressed 支払う: charged once, however often the page is submitted. The completion callback
        is queued in the same transaction: it is sent by `deliver_due`, never by the request that paid."""
        return self._move(charge_id, OPEN, SETTLED, then=self._queue_completion, paid_at=datetime.now().astimezone())

    def cancel(self, charge_id: str) -> Charge:
        return self._move(charge_id, OPEN, VOIDED)

    def refund(self, charge_id: str) -> Charge:
        charge = self._move(charge_id, SETTLED, RETURNED, refunded_at=datetime.now().astimezone())
        if charge.status != RETURNED:
            raise PaymentError(f"Sandbox charge {charge_id} is {charge.status}; only a paid charge is refunded.")
        return charge

    def completion_body(self, charge: Charge) -> bytes:
        """The callback body announcing that `charge` was paid: the same event id every time it is sent."""
        event = {
            "id": f"evt_{charge.id}_paid",
            "type": "payment.succeeded",
            "data": {"checkout_id": charge.id, "merchant_ref": charge.merchant_ref, "amount": charge.amount},
        }
        return json.dumps(event).encode()

    def signed_headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        signature = sign(self.secret, body, int(time.time() if timestamp is None else timestamp))
        return {"Content-Type": "application/json", SIGNATURE_HEADER: signature}

    def completion(self, charge: Charge, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The signed callback body and headers announcing that `charge` was paid (same event id every time)."""
        body = self.completion_body(charge)
        return body, self.signed_headers(body, timestamp)

    def _queue_completion(self, s: Session, charge: Charge) -> None:
        body = self.completion_body(charge)
        s.add(
            SandboxCallback(
                event_id=f"evt_{charge.id}_paid",
                charge_id=charge.id,
                url=charge.callback_url,
                body=body.decode(),
                attempts=0,
                next_try_at=_utcnow(),
                last_error="",
            )
        )

    def deliver_due(self) -> float | None:
        """Send the queued callbacks that are due (the worker's step). Returns the seconds until the next one is
        due, or None when none is waiting."""
        with self.Session() as s:
            due = s.execute(
                select(SandboxCallback.event_id, SandboxCallback.attempts)
                .where(SandboxCallback.next_try_at <= _utcnow())
                .order_by(SandboxCallback.next_try_at)
                .limit(DELIVERY_BATCH)
            ).all()
        for event_id, attempts in due:
            self._attempt(event_id, attempts)
        with self.Session() as s:
            upcoming = s.scalar(select(func.min(SandboxCallback.next_try_at)))
        if upcoming is None:
            return None
        return max(0.0, (_aware(upcoming) - _utcnow()).total_seconds())

    def _attempt(self, event_id: str, attempts: int) -> None:
        """Claim one callback (another worker may have taken it), POST it, and delete it or schedule a retry."""
        tried = attempts + 1
        with self.Session() as s, s.begin():
            claimed = s.execute(
                update(SandboxCallback)
                .where(SandboxCallback.event_id == event_id, SandboxCallback.attempts == attempts)
                .values(attempts=tried, next_try_at=_utcnow() + timedelta(seconds=2 * DELIVERY_TIMEOUT))
            ).rowcount
            row = s.get(SandboxCallback, event_id) if claimed else None
            if row is None:
                return
            url, body = row.url, row.body.encode()
        error = self._post(url, body)
        with self.Session() as s, s.begin():
            mine = (SandboxCallback.event_id == event_id, SandboxCallback.attempts == tried)
            if error is None:
                s.execute(delete(SandboxCallback).where(*mine))
                return
            backoff = min(DELIVERY_BACKOFF * 2**attempts, MAX_BACKOFF)
            retry_at = _utcnow() + timedelta(seconds=backoff) if tried < DELIVERY_ATTEMPTS else None
            s.execute(update(SandboxCallback).where(*mine).values(next_try_at=retry_at, last_error=error[:200]))
        log.warning("sandbox callback %s failed: %s (attempt %d of %d)", event_id, error, tried, DELIVERY_ATTEMPTS)

    def _post(self, url: str, body: bytes) -> str | None:
        """POST one signed callback; None when the merchant took it (2xx), else what went wrong."""
        try:
            response = requests.post(url, data=body, headers=self.signed_headers(body), timeout=DELIVERY_TIMEOUT)
        except requests.RequestException as exc:
            return type(exc).__name__
        return None if response.status_code < 300 else f"HTTP {response.status_code}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back the UTC times it was given without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SandboxProvider:
    """The PaymentProvider adapter for the sandbox: about what a PayPay adapter would be."""

    name = "sandbox"

    def __init__(self, ledger: SandboxLedger, base_url: str):
        self.ledger = ledger
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings, base_url: str) -> SandboxProvider:
        return cls(SandboxLedger(settings.database_url, sandbox_secret(settings)), base_url)

    def create_checkout(self, payment_id: str, amount: int, description: str, callback_url: str) -> Checkout:
        charge = self.ledger.open(payment_id, amount, description, callback_url)
        return Checkout(charge.id, f"{self.base_url}/pay/sandbox/{charge.id}")

    def parse_callback(self, body: bytes, headers: Headers) -> CallbackEvent:
        verify(self.ledger.secret, body, headers.get(SIGNATURE_HEADER, ""), time.time())
        try:
            event = loads(body)  # bounded nesting: a deep body is refused, even when correctly signed
            data = event["data"]
            kind = {"payment.succeeded": PAID, "payment.refunded": REFUNDED}.get(event["type"], event["type"])
            return CallbackEvent(
                str(event["id"]), kind, str(data["merchant_ref"]), str(data["checkout_id"]), int(data["amount"])
            )
        except (ValueError, KeyError, TypeError):
            raise InvalidCallback("The callback body is not a sandbox event.") from None

    def status(self, provider_ref: str) -> str:
        charge = self.ledger.get(provider_ref)
        if charge is None:
            raise PaymentError(f"No sandbox charge {provider_ref}.")
        return charge.status

    def cancel_checkout(self, provider_ref: str) -> bool:
        return self.ledger.cancel(provider_ref).status == VOIDED

    def refund(self, provider_ref: str, amount: int, idempotency_key: str) -> str:
        charge = self.ledger.get(provider_ref)
        if charge is not None and charge.status == RETURNED:  # asked again with the same key: same refund
            return f"re_{provider_ref}"
        if charge is None or charge.amount != amount:
            raise PaymentError(f"Cannot refund {amount} yen on sandbox charge {provider_ref}.")
        self.ledger.refund(provider_ref)
        return f"re_{provider_ref}"
