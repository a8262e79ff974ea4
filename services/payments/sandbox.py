"""A local payment service for development and tests, behaving like a real one, and its provider adapter.

The service side (`SandboxLedger`) keeps its own charges, serves a hosted payment page
(services/payments/sandbox_web.py, /pay/sandbox/<id>) and, once the citizen pays, POSTs an HMAC-signed completion
callback to the merchant's callback URL, as PayPay or a card processor would. The adapter side
(`SandboxProvider`) is what services.payments.service talks to, through the PaymentProvider interface.

The shared secret is PAYMENT_SANDBOX_SECRET; outside production (BOT_ENV != production) one is generated once
and kept in var/payment_sandbox_secret, so every process of one installation agrees on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from sqlalchemy import select, update

from bot.errors import ConfigError
from bot.store.db import session_factory

from .base import (
    OPEN,
    PAID,
    RETURNED,
    SETTLED,
    VOIDED,
    CallbackEvent,
    Checkout,
    Headers,
    InvalidCallback,
    PaymentError,
)
from .models import SandboxCharge

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"
SIGNATURE_TOLERANCE = 300  # seconds a signed callback stays valid (replays of old captures are refused)
DELIVERY_ATTEMPTS = 3
DELIVERY_TIMEOUT = 5  # seconds per callback POST
SECRET_FILE = "var/payment_sandbox_secret"


def sandbox_secret(settings) -> str:
    """PAYMENT_SANDBOX_SECRET, or outside production the installation's generated one (made on first use)."""
    if settings.payment_sandbox_secret:
        return settings.payment_sandbox_secret
    if settings.production:
        raise ConfigError(
            "Set PAYMENT_SANDBOX_SECRET (a long random string) to use the payment sandbox in "
            "production; BOT_ENV=production never uses a generated secret."
        )
    path = Path(settings.project_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


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
                    id="sbx_" + secrets.token_urlsafe(18),
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
        with self.Session() as s:
            row = s.get(SandboxCharge, charge_id)
            return Charge.of(row) if row else None

    def _move(self, charge_id: str, source: str, target: str, **values) -> Charge:
        with self.Session() as s, s.begin():
            s.execute(
                update(SandboxCharge)
                .where(SandboxCharge.id == charge_id, SandboxCharge.status == source)
                .values(status=target, **values)
            )
            row = s.get(SandboxCharge, charge_id)
            if row is None:
                raise PaymentError(f"No sandbox charge {charge_id}.")
            return Charge.of(row)

    def pay(self, charge_id: str) -> Charge:
        """The citizen pressed 支払う: charged once, however often the page is submitted."""
        return self._move(charge_id, OPEN, SETTLED, paid_at=datetime.now().astimezone())

    def cancel(self, charge_id: str) -> Charge:
        return self._move(charge_id, OPEN, VOIDED)

    def refund(self, charge_id: str) -> Charge:
        charge = self._move(charge_id, SETTLED, RETURNED, refunded_at=datetime.now().astimezone())
        if charge.status != RETURNED:
            raise PaymentError(f"Sandbox charge {charge_id} is {charge.status}; only a paid charge is refunded.")
        return charge

    def completion(self, charge: Charge, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The signed callback body and headers announcing that `charge` was paid (same event id every time)."""
        body = json.dumps(
            {
                "id": f"evt_{charge.id}_paid",
                "type": "payment.succeeded",
                "data": {"checkout_id": charge.id, "merchant_ref": charge.merchant_ref, "amount": charge.amount},
            }
        ).encode()
        signature = sign(self.secret, body, int(time.time() if timestamp is None else timestamp))
        return body, {"Content-Type": "application/json", SIGNATURE_HEADER: signature}

    def deliver(self, charge: Charge) -> bool:
        """POST the completion callback to the merchant, retried; False when it never got a 2xx."""
        for attempt in range(DELIVERY_ATTEMPTS):
            body, headers = self.completion(charge)
            try:
                response = requests.post(charge.callback_url, data=body, headers=headers, timeout=DELIVERY_TIMEOUT)
                if response.status_code < 300:
                    return True
                log.warning(
                    "sandbox callback for %s answered %s (attempt %d)", charge.id, response.status_code, attempt + 1
                )
            except requests.RequestException as exc:
                log.warning(
                    "sandbox callback for %s failed: %s (attempt %d)", charge.id, type(exc).__name__, attempt + 1
                )
            time.sleep(0.2 * (attempt + 1))
        return False


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
            event = json.loads(body)
            data = event["data"]
            kind = {"payment.succeeded": PAID}.get(event["type"], event["type"])
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
