"""Run one turn off the request path: ask the engine, show the loading animation when that takes a while, and
answer with the reply token, or by push (with a retry key) when LINE no longer takes the token.

LINE's refusals are told apart: "Invalid reply token" (used or expired) and a reply rate-limited past its
retries are answered by push; a request LINE refuses as malformed is logged with LINE's details and never pushed
as it is: the plain texts of the answer are sent instead, so the citizen still gets one.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from dataclasses import dataclass

import urllib3
from linebot.v3.messaging import ApiException, Message, MessagingApi, ReplyMessageRequest, ShowLoadingAnimationRequest

from bot import messages as responses
from bot.settings import Settings

from .events import Turn
from .push import REQUEST_TIMEOUT, LineError, LinePushError, LinePushNotifier
from .render import batches, plain, render

log = logging.getLogger(__name__)

# The loading animation starts when the answer is not ready this many seconds after the event came in...
LOADING_AFTER = 1.0
# ...and lasts at most this long (5 to 60, a multiple of 5); the reply ends it earlier.
LOADING_SECONDS = 20
# An event that already waited that long in the queue still gets this moment to be answered without a
# spinner: a turn takes milliseconds, and a spinner flashed just before the answer only costs an API call.
LOADING_GRACE = 0.2
# A reply LINE refuses with 429 is tried this many times in all, waiting REPLY_RETRY_DELAY seconds (doubled each
# time) between tries, well within the reply token's life; then the answer goes by push.
REPLY_ATTEMPTS = 3
REPLY_RETRY_DELAY = 1.0
INVALID_REPLY_TOKEN = "Invalid reply token"  # LINE's message for a used or expired reply token
CHANNEL = "line"
PICKER_LABEL = "utter_line_date_picker_label"  # the date picker's label (domain.yml), when a message names none


class Sent(enum.Enum):
    DONE = "done"  # replied; or failed in a way where the reply may have arrived, so it must not be repeated
    PUSH = "push"  # LINE does not take the reply: a push can still answer
    REFUSED = "refused"  # LINE refused the messages themselves (logged with its details)


@dataclass(frozen=True)
class Answer:
    messages: list[Message]  # the rendering with buttons and cards
    plain: list[Message]  # the texts alone: sent when LINE refuses `messages`


class TurnRunner:
    def __init__(
        self,
        engine,
        api: MessagingApi,
        pusher: LinePushNotifier,
        settings: Settings,
        loading_after: float = LOADING_AFTER,
        loading_grace: float = LOADING_GRACE,
    ):
        self.engine = engine
        self.api = api
        self.pusher = pusher
        self.settings = settings
        self.loading_after = loading_after
        self.loading_grace = loading_grace

    def answer(self, turn: Turn) -> Answer | None:
        """The turn's messages, ready for `deliver` (None when there is nothing to send)."""
        if turn.response:  # a greeting that is no conversation turn: nobody has said anything yet
            replies = [{"text": responses.render(self.settings, turn.response, CHANNEL)}]
            return Answer(render(replies), plain(replies))
        if turn.text is None:
            self.engine.forget_personal_data(CHANNEL, turn.chat_id)  # unfollow, leave: nothing of theirs stays
            return None
        timer = None
        if turn.one_to_one:  # counted from arrival: time spent queued behind other events counts too
            wait = max(self.loading_after - (time.monotonic() - turn.received), self.loading_grace)
            timer = threading.Timer(wait, self._show_loading, (turn.chat_id,))
            timer.daemon = True
            timer.start()
        try:
            replies = self.engine.handle_message(
                turn.chat_id, turn.text, channel=CHANNEL, metadata={"chat_type": turn.chat_type}
            )
        finally:
            if timer:  # a loading request still in flight must reach LINE before the reply that ends it
                timer.cancel()
                timer.join()
        return Answer(self._render(replies), plain(replies))

    def _render(self, replies: list[dict]) -> list[Message]:
        try:
            return render(replies, responses.render(self.settings, PICKER_LABEL, CHANNEL))
        except Exception:  # rich content the renderer cannot use: the plain texts still answer the citizen
            log.exception("could not render the bot's messages for LINE; sending their text only")
            return plain(replies)

    def _show_loading(self, chat_id: str) -> None:
        try:
            self.api.show_loading_animation(
                ShowLoadingAnimationRequest(chatId=chat_id, loadingSeconds=LOADING_SECONDS),
                _request_timeout=REQUEST_TIMEOUT,
            )
        except (ApiException, urllib3.exceptions.HTTPError) as exc:  # cosmetic: the answer still comes
            log.info("loading animation not shown: %s", getattr(exc, "status", type(exc).__name__))

    def deliver(self, turn: Turn, answer: Answer) -> None:
        """Send the answer; when LINE refuses it as malformed, its plain texts instead."""
        if self._send(turn, answer.messages, turn.event_id):
            return
        if [m.to_dict() for m in answer.plain] == [m.to_dict() for m in answer.messages]:
            return
        log.warning("answering with the plain texts instead")
        if not self._send(turn, answer.plain, f"{turn.event_id}/plain"):
            log.error("LINE refused the plain answer too; the event got no answer")

    def _send(self, turn: Turn, messages: list[Message], key: str) -> bool:
        """The first batch as the reply; further batches, or all when the token is not taken, by push. False when
        LINE refused the first batch as malformed."""
        for i, batch in enumerate(batches(messages)):
            if i == 0 and turn.reply_token:
                sent = self._reply(turn.reply_token, batch)
                if sent is Sent.REFUSED:
                    return False
                if sent is Sent.DONE:
                    continue
            try:
                self.pusher.push(turn.chat_id, batch, f"{key}/{i}")
            except LinePushError as exc:
                log.error("answer to a LINE event not pushed: %s", exc)
                if i == 0:
                    return False
        return True

    def _reply(self, token: str, batch: list[Message]) -> Sent:
        request = ReplyMessageRequest(replyToken=token, messages=batch)
        for attempt in range(REPLY_ATTEMPTS):
            if attempt:
                time.sleep(REPLY_RETRY_DELAY * 2 ** (attempt - 1))
            try:
                self.api.reply_message(request, _request_timeout=REQUEST_TIMEOUT)
                return Sent.DONE
            except ApiException as exc:
                error = LineError.of(exc)
                if exc.status == 429:
                    log.warning("reply attempt %d/%d refused: %s", attempt + 1, REPLY_ATTEMPTS, error)
                    continue
                if exc.status == 400 and error.message == INVALID_REPLY_TOKEN:
                    log.info("reply token refused (used or expired); answering by push")
                    return Sent.PUSH
                if exc.status and exc.status < 500:
                    log.error("LINE refused the reply: %s", error)
                    return Sent.REFUSED
                # A 5xx may still have delivered the reply, and a reply cannot carry a retry key:
                # pushing now could answer twice, so the failure is only logged.
                log.error("reply failed: %s", error)
            except urllib3.exceptions.HTTPError as exc:  # a timeout, likewise
                log.error("reply failed: %s", type(exc).__name__)
            return Sent.DONE
        log.warning("LINE kept refusing the reply with 429; answering by push")
        return Sent.PUSH
