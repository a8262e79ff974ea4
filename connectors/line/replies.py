"""Run one turn off the request path: ask the engine, show the loading animation when that takes a while, and
answer with the reply token, or by push (with a retry key) when the token is no longer accepted.
"""

from __future__ import annotations

import logging
import threading
import time

import urllib3
from linebot.v3.messaging import ApiException, Message, MessagingApi, ReplyMessageRequest, ShowLoadingAnimationRequest

from .events import Turn
from .push import REQUEST_TIMEOUT, LinePushError, LinePushNotifier
from .render import batches, render

log = logging.getLogger(__name__)

# The loading animation starts when the answer is not ready this many seconds after the event came in...
LOADING_AFTER = 1.0
# ...and lasts at most this long (5 to 60, a multiple of 5); the reply ends it earlier.
LOADING_SECONDS = 20
# An event that already waited that long in the queue still gets this moment to be answered without a
# spinner: a turn takes milliseconds, and a spinner flashed just before the answer only costs an API call.
LOADING_GRACE = 0.2
CHANNEL = "line"


class TurnRunner:
    def __init__(
        self,
        engine,
        api: MessagingApi,
        pusher: LinePushNotifier,
        loading_after: float = LOADING_AFTER,
        loading_grace: float = LOADING_GRACE,
    ):
        self.engine = engine
        self.api = api
        self.pusher = pusher
        self.loading_after = loading_after
        self.loading_grace = loading_grace

    def answer(self, turn: Turn) -> list[Message] | None:
        """The turn's messages, ready for `deliver` (None when there is nothing to send)."""
        if turn.text is None:
            self.engine.forget(turn.chat_id)
            return None
        timer = None
        if turn.one_to_one:  # counted from arrival: time spent queued behind other events counts too
            wait = max(self.loading_after - (time.monotonic() - turn.received), self.loading_grace)
            timer = threading.Timer(wait, self._show_loading, (turn.chat_id,))
            timer.daemon = True
            timer.start()
        try:
            replies = self.engine.handle_message(
                turn.chat_id, turn.text, channel=CHANNEL, metadata={"source_type": turn.source_type}
            )
        finally:
            if timer:  # a loading request still in flight must reach LINE before the reply that ends it
                timer.cancel()
                timer.join()
        return self._render(replies)

    @staticmethod
    def _render(replies: list[dict]) -> list[Message]:
        try:
            return render(replies)
        except Exception:  # rich content the renderer cannot use: the plain texts still answer the citizen
            log.exception("could not render the bot's messages for LINE; sending their text only")
            return render([{"text": m["text"]} for m in replies if m.get("text")])

    def _show_loading(self, chat_id: str) -> None:
        try:
            self.api.show_loading_animation(
                ShowLoadingAnimationRequest(chatId=chat_id, loadingSeconds=LOADING_SECONDS),
                _request_timeout=REQUEST_TIMEOUT,
            )
        except (ApiException, urllib3.exceptions.HTTPError) as exc:  # cosmetic: the answer still comes
            log.info("loading animation not shown: %s", getattr(exc, "status", type(exc).__name__))

    def deliver(self, turn: Turn, messages: list[Message]) -> None:
        """The first batch as the reply; further batches, or all when the token is refused, by push."""
        for i, batch in enumerate(batches(messages)):
            if i == 0 and turn.reply_token and self._reply(turn.reply_token, batch):
                continue
            try:
                self.pusher.push(turn.chat_id, batch, f"{turn.event_id}/{i}")
            except LinePushError as exc:
                log.warning("answer to a LINE event was not delivered: %s", exc)

    def _reply(self, token: str, batch: list[Message]) -> bool:
        """False only when LINE refuses the token (used or expired): then a push can still answer."""
        try:
            self.api.reply_message(
                ReplyMessageRequest(replyToken=token, messages=batch), _request_timeout=REQUEST_TIMEOUT
            )
        except ApiException as exc:
            if exc.status == 400:
                log.info("reply token refused; answering by push")
                return False
            # A 5xx or a timeout may still have delivered the reply, and a reply cannot carry a retry key:
            # pushing now could answer twice, so the failure is only logged.
            log.error("reply failed with %s %s", exc.status, exc.reason)
        except urllib3.exceptions.HTTPError as exc:
            log.error("reply failed: %s", type(exc).__name__)
        return True
