"""Sending a message to a citizen outside a conversation turn (reminders, payment notices), per channel.

A feature that owns a channel declares a notifier for it (`Feature.notifiers`, e.g. LINE's push API); every
other channel's users get the web outbox, which the widget fetches.
"""

from __future__ import annotations

from typing import Protocol

from .features import features
from .outbox import OutboxNotifier


class Notifier(Protocol):
    def send(self, recipient_id: str, text: str, retry_key: str) -> None:
        """Deliver `text`; a second call with the same `retry_key` must not deliver it again."""


_BUILT: dict[tuple[str, str, str], Notifier] = {}


def _build(channel: str, settings) -> Notifier:
    for feature in features():
        if channel in feature.notifiers:
            return feature.notifiers[channel](settings)
    return OutboxNotifier.from_settings(settings)


def notifier_for(channel: str, settings) -> Notifier:
    """The notifier for `channel`, built once per process and database."""
    key = (channel, settings.database_url, str(settings.project_dir))
    if key not in _BUILT:
        _BUILT[key] = _build(channel, settings)
    return _BUILT[key]
