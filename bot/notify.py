"""Sending a message to a citizen outside a conversation turn (reminders, payment notices), per channel.

A feature that owns a channel declares a notifier for it (`Feature.notifiers`, e.g. LINE's push API); every
other channel's users get the web outbox, which the widget fetches. A notifier that queues what its channel did
not take at once (LINE's pushes) retries it in `retry_pending`, which `bot remind` runs.
"""

from __future__ import annotations

from typing import Protocol

from .errors import ConfigError
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
    return OutboxNotifier.from_settings(settings, channel)


def notifier_for(channel: str, settings) -> Notifier:
    """The notifier for `channel`, built once per process and database."""
    key = (channel, settings.database_url, str(settings.project_dir))
    if key not in _BUILT:
        _BUILT[key] = _build(channel, settings)
    return _BUILT[key]


def retry_pending(settings) -> int:
    """Let every configured channel's notifier retry what it queued (`retry_pending()`, when it has one); returns
    how many messages went out. A channel not configured here (no LINE token) is skipped."""
    sent = 0
    for feature in features():
        for channel in feature.notifiers:
            try:
                notifier = notifier_for(channel, settings)
            except ConfigError:
                continue
            retry = getattr(notifier, "retry_pending", None)
            if retry is not None:
                sent += retry()
    return sent
