"""Talking to the LINE Messaging API: the channel's settings, and push messages that are never delivered twice.

The channel's settings come from bot.settings, which reads them from the environment under the names
line-bot-sdk's examples use: LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, and LINE_API_BASE_URL (LINE's
API host by default; tests point it at a stand-in).
Every push carries an X-Line-Retry-Key, so a retry after a timeout or a 5xx cannot send the message again.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

import urllib3
from linebot.v3.messaging import ApiClient, ApiException, Configuration, Message, MessagingApi, PushMessageRequest

from bot.errors import BotError, ConfigError
from bot.settings import DEFAULT_LINE_API_BASE_URL, Settings

from .render import batches, render

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 10  # seconds for one call to the Messaging API
PUSH_ATTEMPTS = 3
RETRY_BACKOFF = 0.5  # seconds before the second attempt, doubled for each further one
# Retry keys made from our own ids (an event id, a booking's reminder) are UUIDv5 in this namespace.
RETRY_KEY_NAMESPACE = uuid.UUID("5b0f9d1c-6a37-4c2e-9a7e-1c6a3f0e4b21")


class LinePushError(BotError):
    """LINE did not accept a push message; the message says whether a later retry can help."""


@dataclass(frozen=True)
class LineConfig:
    channel_secret: str = ""
    access_token: str = ""
    api_base_url: str = DEFAULT_LINE_API_BASE_URL

    @classmethod
    def from_settings(cls, settings: Settings) -> LineConfig:
        return cls(
            channel_secret=settings.line_channel_secret,
            access_token=settings.line_channel_access_token,
            api_base_url=settings.line_api_base_url,
        )

    def missing(self, *names: str) -> list[str]:
        """The environment variables among `names` that are not set."""
        values = {"LINE_CHANNEL_SECRET": self.channel_secret, "LINE_CHANNEL_ACCESS_TOKEN": self.access_token}
        return [n for n in names if not values[n]]

    def api_client(self) -> ApiClient:
        """One client per channel: its connection pool is shared by every worker thread."""
        configuration = Configuration(host=self.api_base_url, access_token=self.access_token)
        configuration.retries = 0  # retries are ours: only pushes may be retried, and only with a retry key
        return ApiClient(configuration)


def retry_key(value: str) -> str:
    """A retry key (a UUID) for `value`: a UUID stays itself, anything else maps to the same UUID every time."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.uuid5(RETRY_KEY_NAMESPACE, value))


class LinePushNotifier:
    """Push messages to a LINE user, group or room: reminders (`bot remind`) and replies whose token expired."""

    def __init__(self, config: LineConfig, api_client: ApiClient | None = None):
        missing = config.missing("LINE_CHANNEL_ACCESS_TOKEN")
        if missing:
            raise ConfigError(
                f"Cannot push to LINE: set {', '.join(missing)} (the channel's long-lived access "
                "token from the LINE Developers console)."
            )
        self.api = MessagingApi(api_client or config.api_client())

    @classmethod
    def from_settings(cls, settings: Settings) -> LinePushNotifier:
        return cls(LineConfig.from_settings(settings))

    def send(self, recipient_id: str, text: str, retry_key: str) -> None:
        """Push `text` (split to LINE's limits); the same `retry_key` never delivers it twice."""
        for i, batch in enumerate(batches(render([{"text": text}]))):
            self.push(recipient_id, batch, retry_key if i == 0 else f"{retry_key}/{i}")

    def push(self, recipient_id: str, messages: list[Message], key: str) -> None:
        """One push request, retried on timeouts, 429 and 5xx; a 409 means LINE already accepted this key."""
        request = PushMessageRequest(to=recipient_id, messages=messages)
        x_line_retry_key = retry_key(key)
        problem = ""
        for attempt in range(PUSH_ATTEMPTS):
            if attempt:
                time.sleep(RETRY_BACKOFF * 2 ** (attempt - 1))
            try:
                self.api.push_message(request, x_line_retry_key=x_line_retry_key, _request_timeout=REQUEST_TIMEOUT)
                return
            except ApiException as exc:
                if exc.status == 409:
                    return
                problem = f"LINE answered {exc.status} {exc.reason}"
                if exc.status and exc.status < 500 and exc.status != 429:
                    raise LinePushError(f"{problem}; the request was refused and retrying will not help.") from exc
            except urllib3.exceptions.HTTPError as exc:
                problem = f"no answer from LINE ({type(exc).__name__})"
            log.warning("push attempt %d/%d failed: %s", attempt + 1, PUSH_ATTEMPTS, problem)
        raise LinePushError(f"{problem} after {PUSH_ATTEMPTS} attempts; retry later with the same retry key.")
