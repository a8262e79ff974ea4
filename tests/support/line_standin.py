"""A stand-in for the LINE Platform on 127.0.0.1, for tests and benchmarks.

- `LineStandIn`: a real HTTP server playing the Messaging API. It records reply, push and loading-animation
  calls and answers as LINE documents: 401 without the channel access token, 400 for a used or expired reply
  token or for messages over LINE's limits, 409 for a push whose X-Line-Retry-Key was already accepted.
- Webhook bodies in LINE's documented JSON (`text_event`, `postback_event`, ...), signed as LINE signs them
  (`sign`: base64 of HMAC-SHA256 over the body with the channel secret), and sent by `deliver`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

CHANNEL_SECRET = "test-channel-secret-0123456789ab"
ACCESS_TOKEN = "test-channel-access-token"
BOT_USER_ID = "U00000000000000000000000000000b07"
_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Call:
    path: str
    body: dict
    headers: dict
    status: int
    problems: list[str] = field(default_factory=list)  # why LINE would refuse the request as malformed
    at: float = field(default_factory=time.monotonic)

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages") or []

    @property
    def texts(self) -> list[str]:
        return [m["text"] for m in self.messages if m.get("type") == "text"]


def problems_of(messages) -> list[str]:
    """What LINE would refuse in a list of message objects (the limits the bot must respect)."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return ["messages: 1 to 5 message objects"]
    out = []
    for i, m in enumerate(messages):
        if m.get("type") == "text" and not 1 <= len(m.get("text") or "") <= 5000:
            out.append(f"messages[{i}].text: 1 to 5000 characters")
        if m.get("type") == "flex" and not 1 <= len(m.get("altText") or "") <= 400:
            out.append(f"messages[{i}].altText: 1 to 400 characters")
        items = ((m.get("quickReply") or {}).get("items")) or []
        if len(items) > 13:
            out.append(f"messages[{i}].quickReply.items: at most 13")
        for j, item in enumerate(items):
            action = item.get("action") or {}
            if not 1 <= len(action.get("label") or "") <= 20:
                out.append(f"messages[{i}].quickReply.items[{j}].action.label: 1 to 20 characters")
            if len(action.get("data") or "") > 300:
                out.append(f"messages[{i}].quickReply.items[{j}].action.data: at most 300 characters")
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client dropping a keep-alive connection (the bot stopping) is not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LineStandIn:
    """The Messaging API endpoints the bot calls, recording every call."""

    def __init__(self, access_token: str = ACCESS_TOKEN):
        self.access_token = access_token
        self.calls: list[Call] = []
        self.expired_tokens: set[str] = set()
        self.failures: dict[str, list[int]] = {}  # path -> statuses to answer before succeeding
        self._used_tokens: set[str] = set()
        self._retry_keys: dict[str, str] = {}
        self._lock = threading.Lock()
        self._new_call = threading.Condition()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # -- what tests read -----------------------------------------------------------------------------
    def recorded(self, path: str, status: int | None = 200) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path and (status is None or c.status == status)]

    @property
    def replies(self) -> list[Call]:
        return self.recorded("/v2/bot/message/reply")

    @property
    def pushes(self) -> list[Call]:
        return self.recorded("/v2/bot/message/push")

    @property
    def loadings(self) -> list[Call]:
        return self.recorded("/v2/bot/chat/loading/start", 202)

    def refused(self) -> list[Call]:
        """Calls LINE would have refused as malformed (never expected from the bot)."""
        with self._lock:
            return [c for c in self.calls if c.problems]

    def wait_for(self, predicate, timeout: float = 30.0):
        """Wait until `predicate(stand_in)` is truthy; returns its value or fails the test."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"the LINE stand-in did not see what was expected within {timeout}s; "
                    f"calls: {[(c.path, c.status) for c in self.calls]}"
                )
            with self._new_call:
                self._new_call.wait(min(remaining, 0.1))

    # -- the API ---------------------------------------------------------------------------------------
    def _answer(self, path: str, headers: dict, body: dict) -> tuple[int, dict, dict, list[str]]:
        """Status, body and extra headers of LINE's answer, and what LINE would find malformed."""
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return (
                401,
                {
                    "message": "Authentication failed. Confirm that the access token in the authorization "
                    "header is valid."
                },
                {},
                [],
            )
        with self._lock:
            planned = self.failures.get(path)
            if planned:
                return planned.pop(0), {"message": "An error occurred in the stand-in (planned)."}, {}, []
        if path == "/v2/bot/chat/loading/start":
            seconds = body.get("loadingSeconds", 20)
            if not body.get("chatId") or seconds % 5 or not 5 <= seconds <= 60:
                return 400, {"message": "The request body has 1 error(s)"}, {}, ["loadingSeconds"]
            return 202, {}, {}, []
        if path not in ("/v2/bot/message/reply", "/v2/bot/message/push"):
            return 404, {"message": "Not found"}, {}, []
        problems = problems_of(body.get("messages"))
        if problems:
            return 400, {"message": "The request body has errors", "details": problems}, {}, problems
        if path == "/v2/bot/message/reply":
            token = body.get("replyToken") or ""
            with self._lock:
                if not token or token in self.expired_tokens or token in self._used_tokens:
                    return 400, {"message": "Invalid reply token"}, {}, []
                self._used_tokens.add(token)
        else:
            key = headers.get("x-line-retry-key")
            with self._lock:
                if key and key in self._retry_keys:
                    return (
                        409,
                        {"message": "The retry key is already accepted"},
                        {"x-line-accepted-request-id": self._retry_keys[key]},
                        [],
                    )
                if key:
                    self._retry_keys[key] = str(uuid.uuid4())
        sent = [{"id": str(secrets.randbits(60)), "quoteToken": secrets.token_hex(8)} for _ in body["messages"]]
        return 200, {"sentMessages": sent}, {}, []

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: don't hold the body 40 ms

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer, extra, problems = stand_in._answer(self.path, headers, body)
                with stand_in._lock:
                    stand_in.calls.append(Call(self.path, body, headers, status, problems))
                with stand_in._new_call:
                    stand_in._new_call.notify_all()
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-line-request-id", str(uuid.uuid4()))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep test output clean
                pass

        return Handler


# -- webhook bodies, as LINE documents them -------------------------------------------------------------
def ulid() -> str:
    """A webhookEventId: 26 characters of Crockford base32, time first."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(_ULID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def user_id() -> str:
    return "U" + secrets.token_hex(16)


def _event(
    kind: str, source: dict, *, reply: bool = True, redelivery: bool = False, event_id: str | None = None, **fields
) -> dict:
    event = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": source,
        "webhookEventId": event_id or ulid(),
        "deliveryContext": {"isRedelivery": redelivery},
        **fields,
    }
    if reply:
        event["replyToken"] = secrets.token_hex(16)
    return event


def user(uid: str) -> dict:
    return {"type": "user", "userId": uid}


def group(group_id: str, uid: str | None = None) -> dict:
    return {"type": "group", "groupId": group_id, **({"userId": uid} if uid else {})}


def text_event(source: dict | str, text: str, mention: list[dict] | None = None, **kw) -> dict:
    message = {"id": str(secrets.randbits(60)), "type": "text", "quoteToken": secrets.token_hex(8), "text": text}
    if mention:
        message["mention"] = {"mentionees": mention}
    return _event("message", user(source) if isinstance(source, str) else source, message=message, **kw)


def postback_event(source: dict | str, data: str, params: dict | None = None, **kw) -> dict:
    postback = {"data": data, **({"params": params} if params else {})}
    return _event("postback", user(source) if isinstance(source, str) else source, postback=postback, **kw)


def message_event(source: dict | str, message: dict, **kw) -> dict:
    """Any other message type, e.g. {"type": "sticker", "packageId": "446", "stickerId": "1988"}."""
    full = {"id": str(secrets.randbits(60)), **message}
    if message["type"] in ("sticker", "image", "video"):
        full.setdefault("quoteToken", secrets.token_hex(8))
    return _event("message", user(source) if isinstance(source, str) else source, message=full, **kw)


def sticker_event(source, **kw) -> dict:
    return message_event(
        source, {"type": "sticker", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC"}, **kw
    )


def location_event(source, address: str, latitude: float, longitude: float, **kw) -> dict:
    return message_event(
        source,
        {"type": "location", "title": "my location", "address": address, "latitude": latitude, "longitude": longitude},
        **kw,
    )


def follow_event(uid: str, **kw) -> dict:
    return _event("follow", user(uid), follow={"isUnblocked": False}, **kw)


def unfollow_event(uid: str, **kw) -> dict:
    return _event("unfollow", user(uid), reply=False, **kw)


def redelivered(event: dict) -> dict:
    """The same event again, as LINE redelivers it: same webhookEventId, isRedelivery true."""
    return {**event, "deliveryContext": {"isRedelivery": True}}


def body_of(*events: dict, destination: str = BOT_USER_ID) -> bytes:
    return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False).encode("utf-8")


def sign(body: bytes, secret: str = CHANNEL_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def deliver(webhook_url: str, *events: dict, secret: str = CHANNEL_SECRET, session=requests, timeout: float = 10):
    """POST a signed webhook body, as the LINE Platform does."""
    body = body_of(*events)
    return session.post(
        webhook_url,
        data=body,
        timeout=timeout,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": sign(body, secret),
            "User-Agent": "LineBotWebhook/2.0",
        },
    )
