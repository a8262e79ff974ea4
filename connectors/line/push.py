"""Talking to the LINE Messaging API: the channel's settings, LINE's errors, and push messages that are never
delivered twice and never lost.

The channel's settings come from bot.settings, which reads them from the environment under the names
line-bot-sdk's examples use: LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, and LINE_API_BASE_URL (LINE's
API host by default; tests point it at a stand-in).
Every push carries an X-Line-Retry-Key, so a retry after a timeout or a 5xx cannot send the message again. A push
LINE does not take after a few quick attempts is queued in the database (connectors/line/pending.py) and retried
with the same key by the LINE worker and by `bot remind`.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import urllib3
from linebot.v3.messaging import ApiClient, ApiException, Configuration, Message, MessagingApi, PushMessageRequest

from bot.errors import BotError, ConfigError
from bot.settings import DEFAULT_LINE_API_BASE_URL, Settings

from .pending import PendingPushes
from .render import batches, render

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 10  # seconds for one call to the Messaging API
PUSH_ATTEMPTS = 3  # tries of a push before it is queued
RETRY_BACKOFF = 0.5  # seconds before the second attempt, doubled for each further one
# Retry keys made from our own ids (an event id, a booking's reminder) are UUIDv5 in this namespace.
RETRY_KEY_NAMESPACE = uuid.UUID("5b0f9d1c-6a37-4c2e-9a7e-1c6a3f0e4b21")
# A LINE user id: notices (reminders, payment notices) go to one citizen only, never to a group (C…) or room (R…).
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
MAX_LOGGED = 500  # characters of LINE's error kept in a log line


class LinePushError(BotError):
    """LINE refused a push message itself: retrying it cannot help."""


@dataclass(frozen=True)
class LineError:
    """What LINE said when it refused a request: its status, message and details (the properties at fault), never
    the message text or the recipient."""

    status: int | None
    message: str
    details: str

    @classmethod
    def of(cls, exc: ApiException) -> LineError:
        try:
            body = json.loads(exc.body or "{}")
        except (ValueError, TypeError):
            body = {}
        if not isinstance(body, dict):
            body = {}
        raw = body.get("details")
        details = raw if isinstance(raw, list) else []
        described = "; ".join(
            f"{d.get('property') or '(request)'}: {d.get('message')}" for d in details if isinstance(d, dict)
        )
        return cls(exc.status, str(body.get("message") or exc.reason or ""), described)

    @property
    def retryable(self) -> bool:
        """A timeout-like refusal (rate limit, server error, a token being replaced): the same request may pass
        later. Any other 4xx refuses the request itself."""
        return self.status is None or self.status >= 500 or self.status in (401, 429)

    def __str__(self) -> str:
        text = f"{self.status} {self.message}" + (f" [{self.details}]" if self.details else "")
        return text[:MAX_LOGGED]


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
    """Push messages to a LINE user, group or room: notices (`bot remind`, payments) and answers whose reply token
    LINE no longer takes; and the retries of the pushes queued in `pending`."""

    def __init__(self, config: LineConfig, pending: PendingPushes, api_client: ApiClient | None = None):
        missing = config.missing("LINE_CHANNEL_ACCESS_TOKEN")
        if missing:
            raise ConfigError(
                f"Cannot push to LINE: set {', '.join(missing)} (the channel's long-lived access "
                "token from the LINE Developers console)."
            )
        self.api = MessagingApi(api_client or config.api_client())
        self.pending = pending

    @classmethod
    def from_settings(cls, settings: Settings) -> LinePushNotifier:
        return cls(LineConfig.from_settings(settings), PendingPushes(settings.database_url))

    def send(self, recipient_id: str, text: str, retry_key: str) -> None:
        """A notice to one citizen (split to LINE's limits); the same `retry_key` never delivers it twice. A group or
        room never gets one: its members would all read one citizen's booking."""
        if not USER_ID.match(recipient_id):
            log.warning("a notice goes to one citizen's chat only, never to a LINE group or room; not pushed")
            return
        for i, batch in enumerate(batches(render([{"text": text}]))):
            self.push(recipient_id, batch, retry_key if i == 0 else f"{retry_key}/{i}")

    def push(self, recipient_id: str, messages: list[Message], key: str) -> None:
        """One push, tried a few times now and then queued for later retries with the same retry key. Raises
        LinePushError when LINE refuses the push itself (a malformed message, an unknown recipient)."""
        x_line_retry_key = retry_key(key)
        first_tried_at = datetime.now(UTC)
        request = PushMessageRequest(to=recipient_id, messages=messages)
        problem = ""
        for attempt in range(PUSH_ATTEMPTS):
            if attempt:
                time.sleep(RETRY_BACKOFF * 2 ** (attempt - 1))
            problem = self._try(request, x_line_retry_key)
            if not problem:
                return
            log.warning("push attempt %d/%d failed: %s", attempt + 1, PUSH_ATTEMPTS, problem)
        self.pending.add(x_line_retry_key, recipient_id, [m.to_dict() for m in messages], first_tried_at)
        log.warning("push %s queued for retries with the same retry key: %s", x_line_retry_key, problem)

    def _try(self, request: PushMessageRequest, x_line_retry_key: str) -> str:
        """ "" when LINE took the push (a 409: it had taken this retry key before), else why a retry may help."""
        try:
            self.api.push_message(request, x_line_retry_key=x_line_retry_key, _request_timeout=REQUEST_TIMEOUT)
        except ApiException as exc:
            if exc.status == 409:
                return ""
            error = LineError.of(exc)
            if not error.retryable:
                raise LinePushError(f"LINE refused the push: {error}; retrying will not help.") from exc
            return f"LINE answered {error}"
        except urllib3.exceptions.HTTPError as exc:
            return f"no answer from LINE ({type(exc).__name__})"
        return ""

    def retry_pending(self, now: datetime | None = None) -> int:
        """Retry the queued pushes that are due, each with its own retry key; returns how many LINE took."""
        now = now or datetime.now(UTC)
        self.pending.drop_expired(now)
        delivered = 0
        for due in self.pending.claim(now):
            request = PushMessageRequest.from_dict({"to": due.recipient, "messages": due.messages})
            try:
                problem = self._try(request, due.retry_key)
            except LinePushError as exc:
                log.error("queued push %s dropped: %s", due.retry_key, exc)
                self.pending.done(due.retry_key)
                continue
            if problem:
                log.warning("queued push %s, retry %d failed: %s", due.retry_key, due.attempt, problem)
            else:
                self.pending.done(due.retry_key)
                delivered += 1
        return delivered
