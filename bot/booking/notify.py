"""Sending a message to a citizen outside a conversation turn (reminders, payment notices), per channel.

data/bulky.yml `notify` maps a channel to a "module:Class" notifier (LINE → push API, anything else → the web
outbox). A notifier class is built with `from_settings(settings)` when it has one, else with `from_env()`.
"""
from __future__ import annotations

import importlib
from typing import Protocol

from bot.errors import ConfigError

from .config import BookingConfig

DEFAULT_NOTIFIER = "bot.booking.outbox:OutboxNotifier"


class Notifier(Protocol):
    def send(self, recipient_id: str, text: str, retry_key: str) -> None:
        """Deliver `text`; a second call with the same `retry_key` must not deliver it again."""


def notifier_spec(channel: str, config: BookingConfig) -> str:
    return config.notify.get(channel) or config.notify.get("default") or DEFAULT_NOTIFIER


_BUILT: dict[tuple[str, str, str], Notifier] = {}


def _build(spec: str, settings) -> Notifier:
    module, _, name = spec.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"data/bulky.yml notify: cannot load `{spec}` ({exc}).") from exc
    factory = getattr(cls, "from_settings", None)
    return factory(settings) if factory else cls.from_env()


def notifier_for(channel: str, settings, config: BookingConfig) -> Notifier:
    """The notifier for `channel`, built once per process and database."""
    spec = notifier_spec(channel, config)
    key = (spec, settings.database_url, str(settings.project_dir))
    if key not in _BUILT:
        _BUILT[key] = _build(spec, settings)
    return _BUILT[key]
