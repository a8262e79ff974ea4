"""Online payment of bulky-waste fees: the provider interface (base), providers by name, our payment states (service).

Adding PayPay or a card processor: write an adapter class with `from_settings(settings, base_url)` and the
methods of `base.PaymentProvider`, and name it here; data/bulky.yml `payment.provider` picks it.
"""

from __future__ import annotations

import importlib

from bot.errors import ConfigError

from .base import PaymentProvider

PROVIDERS = {"sandbox": "services.payments.sandbox:SandboxProvider"}


def callback_url(settings, provider: str) -> str:
    """Where `provider` posts its callbacks: under BOT_PUBLIC_URL, where providers reach this bot."""
    return f"{settings.public_url}/payments/{provider}/callback"


def make_provider(name: str, settings) -> PaymentProvider:
    if name not in PROVIDERS:
        raise ConfigError(
            f"Unknown payment provider `{name}` (data/bulky.yml payment.provider); "
            f"known: {', '.join(sorted(PROVIDERS))}."
        )
    module, cls = PROVIDERS[name].split(":")
    return getattr(importlib.import_module(module), cls).from_settings(settings, settings.public_url)
