"""Online payment of bulky-waste fees: the provider interface (base), providers by name, our payment states (service).

Adding PayPay or a card processor: write an adapter class with `from_settings(settings, base_url)` and the
methods of `base.PaymentProvider`, and add its factory to PROVIDERS here; data/bulky.yml `payment.provider` picks it.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import ConfigError
from services.booking.config import load_config

from .base import PaymentProvider


def _sandbox(settings) -> PaymentProvider:
    from .sandbox import SandboxProvider  # imported when chosen: a city with another provider never loads it

    return SandboxProvider.from_settings(settings, settings.public_url)


# data/bulky.yml `payment.provider` → the factory of its adapter; a new provider adds one entry here.
PROVIDERS: dict[str, Callable[..., PaymentProvider]] = {"sandbox": _sandbox}
# Providers that move no money: a booking they mark paid was never paid, so production refuses them.
TEST_PROVIDERS = ("sandbox",)


def online_provider(settings) -> str | None:
    """The provider of the city's online payment (data/bulky.yml `payment.provider`), None when not offered."""
    config = load_config(settings.data_dir)
    return config.payment_provider if "online" in config.payment_methods else None


def check(settings) -> None:
    """The payments feature's start-up check (bot.features.Feature.check)."""
    provider = online_provider(settings)
    if settings.production and provider in TEST_PROVIDERS:
        raise ConfigError(
            f"BOT_ENV=production refuses to start: data/bulky.yml `payment.provider` is `{provider}`, a test "
            "service that marks bookings paid without taking any money. Name a real provider, or offer no online "
            "payment (remove `online` from `payment.methods`)."
        )


def callback_url(settings, provider: str) -> str:
    """Where `provider` posts its callbacks: under BOT_PUBLIC_URL, where providers reach this bot."""
    return f"{settings.public_url}/payments/{provider}/callback"


def make_provider(name: str, settings) -> PaymentProvider:
    if name not in PROVIDERS:
        raise ConfigError(
            f"Unknown payment provider `{name}` (data/bulky.yml payment.provider); "
            f"known: {', '.join(sorted(PROVIDERS))}."
        )
    return PROVIDERS[name](settings)
