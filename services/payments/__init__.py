"""Online payment of bulky-waste fees: the provider interface (base), providers by name, our payment states (service).

Adding PayPay or a card processor: write an adapter class with `from_settings(settings, base_url)` and the
methods of `base.PaymentProvider`, and name it here; data/bulky.yml `payment.provider` picks it.
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Mapping

from bot.errors import ConfigError

from .base import PaymentProvider

PROVIDERS = {"sandbox": "services.payments.sandbox:SandboxProvider"}
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5005"


def public_url(env: Mapping[str, str] | None = None) -> str:
    """Where citizens and providers reach this bot (BOT_PUBLIC_URL), for payment pages and callbacks."""
    env = os.environ if env is None else env
    return (env.get("BOT_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/")


def callback_url(provider: str) -> str:
    return f"{public_url()}/payments/{provider}/callback"


def make_provider(name: str, settings) -> PaymentProvider:
    if name not in PROVIDERS:
        raise ConfigError(f"Unknown payment provider `{name}` (data/bulky.yml payment.provider); "
                          f"known: {', '.join(sorted(PROVIDERS))}.")
    module, cls = PROVIDERS[name].split(":")
    return getattr(importlib.import_module(module), cls).from_settings(settings, public_url())
