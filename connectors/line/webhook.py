"""The LINE channel: `POST /webhooks/line/webhook`, on line-bot-sdk 3 (`linebot.v3`).

The request path only checks and queues, so LINE gets its 200 well within a second:
1. verify X-Line-Signature on the raw body (400 when missing or wrong; nothing is processed),
2. turn each event into a channel-neutral turn (connectors/line/events.py),
3. queue it behind the same chat's earlier events (connectors/line/queue.py).
A worker then records the event's webhookEventId, once (connectors/line/seen.py: a redelivered copy stops
there), runs the engine and answers (connectors/line/replies.py). Another thread retries, every `RETRY_EVERY`
seconds, the pushes LINE did not take at first (connectors/line/pending.py).
A correctly signed body that is no webhook payload (bad JSON, nesting too deep for the parser, wrong shapes)
gets a 400, never a 500.

Without LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN the route answers 503 saying so; the rest of the
bot runs as usual. In the LINE Developers console: Webhook URL https://<bot host>/webhooks/line/webhook,
"Use webhook" and "Webhook redelivery" on; in the LINE Official Account Manager, auto-reply messages off.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from datetime import UTC, datetime
from functools import partial

from flask import Blueprint, Response, current_app, jsonify, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import MessagingApi

from bot.settings import Settings

from ..errors import BadRequest
from .events import Turn, turn_for
from .pending import PendingPushes
from .push import LineConfig, LinePushNotifier
from .queue import ChatQueues
from .replies import TurnRunner
from .seen import SeenEvents

log = logging.getLogger(__name__)

bp = Blueprint("line", __name__, url_prefix="/webhooks/line")

REQUIRED = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")
# Threads running turns: CPU under one GIL, where every extra thread starves the webhook's acknowledgements.
WORKERS = 1
# Threads sending the answers: they mostly wait for LINE's API, so several overlap its latency.
SENDERS = 4
BACKLOG = 2000  # queued events beyond which the webhook answers 503 and LINE redelivers later
PRUNE_EVERY = 3600  # seconds between clean-ups of old webhook event ids
PRUNE_QUEUE = "line_seen.prune"  # the clean-up's own queue (LINE chat ids start with U, C or R)
RETRY_EVERY = 30.0  # seconds between retries of the queued pushes


class LineChannel:
    """What the webhook needs, built once at start-up."""

    def __init__(self, config: LineConfig, engine, settings: Settings, workers: int = WORKERS, backlog: int = BACKLOG):
        self.parser = WebhookParser(config.channel_secret)
        self.seen = SeenEvents(settings.database_url)
        self.queues = ChatQueues(workers, backlog)
        self.senders = ChatQueues(SENDERS, backlog)  # per chat in order, so answers never overtake each other
        self.api_client = config.api_client()
        self.pusher = LinePushNotifier(config, PendingPushes(settings.database_url), self.api_client)
        self.runner = TurnRunner(engine, MessagingApi(self.api_client), self.pusher, settings)
        self._next_prune = 0.0
        self._prune_lock = threading.Lock()
        self._stop = threading.Event()
        self._retrier = threading.Thread(
            target=_retry_pending, args=(weakref.ref(self), self._stop), name="line-retry", daemon=True
        )
        self._retrier.start()

    def take(self, body: str, signature: str) -> None:
        """Check one webhook delivery and queue its events; nothing slower happens on the request path."""
        try:
            payload = self.parser.parse(body, signature, as_payload=True)
        except InvalidSignatureError:
            raise BadRequest("X-Line-Signature does not match the body and the channel secret.") from None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise BadRequest("The body is not a LINE webhook payload (a JSON object with `events`).") from None
        turns = [t for t in map(turn_for, payload.events) if t]
        if not self.queues.has_room(len(turns)):
            raise BadRequest("Too many LINE events are waiting; LINE will redeliver this one later.", 503)
        for turn in turns:
            self.queues.submit(turn.chat_id, partial(self._handle, turn))
        self._maybe_prune()

    def _handle(self, turn: Turn) -> None:
        """Runs in the chat's queue, so a redelivered copy (same chat) always comes after the first one."""
        if not self.seen.first_time(turn.event_id, datetime.now(UTC)):
            log.info("LINE event already handled (redelivered); not answering again")
            return
        answer = self.runner.answer(turn)
        if answer is not None:
            self.senders.submit(turn.chat_id, partial(self.runner.deliver, turn, answer))

    def _maybe_prune(self) -> None:
        with self._prune_lock:
            if time.monotonic() < self._next_prune:
                return
            self._next_prune = time.monotonic() + PRUNE_EVERY
        self.queues.submit(PRUNE_QUEUE, lambda: self.seen.prune(datetime.now(UTC)))

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every queued event is answered and sent (tests, benchmarks); False on timeout."""
        return self.queues.join(timeout) and self.senders.join(timeout)

    def close(self) -> None:
        self._stop.set()
        self._retrier.join()
        self.queues.shutdown()
        self.senders.shutdown()
        self.api_client.close()


def _retry_pending(channel_ref: weakref.ref[LineChannel], stop: threading.Event) -> None:
    """Retry the queued pushes every `RETRY_EVERY` seconds, until the channel is closed or dropped with its app."""
    while not stop.wait(RETRY_EVERY):
        channel = channel_ref()
        if channel is None:
            return
        try:
            channel.pusher.retry_pending()
        except Exception:  # a database or network hiccup: the next round tries again
            log.exception("retrying the queued LINE pushes failed")
        del channel


@bp.post("/webhook")
def webhook() -> Response:
    channel: LineChannel | None = current_app.extensions.get("line")
    if channel is None:
        raise BadRequest(current_app.config["LINE_UNAVAILABLE"], 503)
    signature = request.headers.get("X-Line-Signature")
    if not signature:
        raise BadRequest("X-Line-Signature header is missing; only LINE may call this webhook.")
    try:
        body = request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The body is not valid UTF-8.") from None
    channel.take(body, signature)
    return jsonify({})


def init_app(app) -> None:
    """Build the channel from the settings, or remember why it cannot run."""
    config = LineConfig.from_settings(app.config["BOT_SETTINGS"])
    missing = config.missing(*REQUIRED)
    if missing:
        app.extensions["line"] = None
        app.config["LINE_UNAVAILABLE"] = (
            f"The LINE channel is not configured: set {' and '.join(missing)} "
            "(from the LINE Developers console) and restart the bot."
        )
        log.info("LINE channel off: %s not set", ", ".join(missing))
    else:
        app.extensions["line"] = LineChannel(config, app.extensions["bot_engine"], app.config["BOT_SETTINGS"])
    app.register_blueprint(bp)
