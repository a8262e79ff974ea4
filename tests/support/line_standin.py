"""A stand-in for the LINE Platform on 127.0.0.1, for tests and benchmarks.

- `LineStandIn`: a real HTTP server playing the Messaging API. It records reply, push and loading-animation
  calls and answers as LINE documents, in LINE's error shape (`{"message", "details": [{"message", "property"}]}`):
  401 without the channel access token; 400 "Invalid reply token" for a used or expired reply token; 400 with the
  details for a request LINE refuses (`request_problems`: message objects, quick replies, actions and Flex
  containers over LINE's documented limits, an X-Line-Retry-Key that is not a UUID); 409 for a push whose
  X-Line-Retry-Key was already accepted. Tests can plan failures (`failures`: statuses to answer first).
- Webhook bodies in LINE's documented JSON (`text_event`, `postback_event`, ...), signed as LINE signs them
  (`sign`: base64 of HMAC-SHA256 over the body with the channel secret), and sent by `deliver`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
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
AUTHENTICATION_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
# LINE's messages for statuses a test plans (`LineStandIn.failures`).
PLANNED = {
    400: "The request body has 1 error(s)",
    429: "The API rate limit has been exceeded. Try again later.",
    500: "An internal server error occurred (planned by the stand-in).",
    503: "The service is temporarily unavailable (planned by the stand-in).",
}


@dataclass
class Call:
    path: str
    body: dict
    headers: dict
    status: int
    problems: list[dict] = field(default_factory=list)  # LINE's details of why it refused the request as malformed
    at: float = field(default_factory=time.monotonic)

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages") or []

    @property
    def texts(self) -> list[str]:
        return [m["text"] for m in self.messages if m.get("type") == "text"]


# -- what the Messaging API refuses ------------------------------------------------------------------------------
# LINE's documented limits (Messaging API reference: "Send reply message", "Send push message", "Message objects",
# "Quick reply", "Action objects", "Flex Message"). Sizes of Flex containers are counted on the JSON as line-bot-sdk
# sends it (json.dumps, non-ASCII escaped), in units of 1,000 bytes: the largest reading of "30 KB", so a message
# the stand-in takes is one LINE takes.
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_FLEX_ALT_TEXT = 1500
MAX_TEMPLATE_ALT_TEXT = 400
MAX_QUICK_REPLY_ITEMS = 13
MAX_DATA = 300  # postback and date picker data, displayText, a message action's text
MAX_URI = 1000
MAX_MEDIA_URL = 2000
MAX_BUBBLE_BYTES = 30_000
MAX_CAROUSEL_BYTES = 50_000
MAX_BUBBLES = 12
# LINE documents no depth limit for boxes in boxes; the stand-in refuses deeper nesting than this as a guard
# (the bot nests two boxes at most).
MAX_BOX_DEPTH = 10
# URI actions: LINE also takes http; the bot never sends a citizen to a plain-http page, so the stand-in refuses it.
URI_SCHEMES = ("https:", "line:", "tel:")
LABELS = {"quick_reply": 20, "template": 20, "flex_button": 40, "flex": 40}
DATE_RANGE = {"date": ("1900-01-01", "2100-12-31"), "time": ("00:00", "23:59")}
_QUICK_REPLY_ACTIONS = {"postback", "message", "uri", "datetimepicker", "camera", "cameraRoll", "location", "clipboard"}
_DATE_FORMATS = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}$"),
    "datetime": re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}$"),
}
_CHAT_ID = re.compile(r"^[UCR][0-9a-f]{32}$")
_RETRY_KEY = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def sent_size(value: object) -> int:
    """Bytes of `value` as line-bot-sdk puts it on the wire."""
    return len(json.dumps(value))


class _Checker:
    """Collects LINE's error details ({"message", "property"}) for one request body."""

    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def fail(self, prop: str, message: str) -> None:
        self.details.append({"message": message, "property": prop})

    def text(self, prop: str, value: object, limit: int, required: bool = True) -> None:
        if value is None or value == "":
            if required:
                self.fail(prop, "must be non-empty text")
        elif not isinstance(value, str):
            self.fail(prop, "must be a string")
        elif len(value) > limit:
            self.fail(prop, f"Length must be between 1 and {limit}")

    def url(self, prop: str, value: object, limit: int = MAX_MEDIA_URL, schemes: tuple[str, ...] = ("https:",)) -> None:
        self.text(prop, value, limit)
        if isinstance(value, str) and value and not value.lower().startswith(schemes):
            self.fail(prop, f"must start with {' or '.join(schemes)}")

    def size(self, prop: str, value: object, low: int, high: int) -> bool:
        if not isinstance(value, list) or not low <= len(value) <= high:
            self.fail(prop, f"Size must be between {low} and {high}")
            return False
        return True

    # -- messages --------------------------------------------------------------------------------------------
    def messages(self, messages: object) -> None:
        if not self.size("messages", messages, 1, MAX_MESSAGES):
            return
        assert isinstance(messages, list)
        for i, message in enumerate(messages):
            self.message(f"messages[{i}]", message)

    def message(self, prop: str, m: object) -> None:
        if not isinstance(m, dict):
            self.fail(prop, "must be a message object")
            return
        kind = m.get("type")
        check = getattr(self, f"_message_{kind}", None)
        if check is None:
            self.fail(
                f"{prop}.type", "must be one of text, sticker, image, video, audio, location, imagemap, template, flex"
            )
            return
        check(prop, m)
        if m.get("quickReply") is not None:
            self.quick_reply(f"{prop}.quickReply", m["quickReply"])

    def _message_text(self, prop: str, m: dict) -> None:
        self.text(f"{prop}.text", m.get("text"), MAX_TEXT)

    def _message_sticker(self, prop: str, m: dict) -> None:
        self.text(f"{prop}.packageId", m.get("packageId"), 100)
        self.text(f"{prop}.stickerId", m.get("stickerId"), 100)

    def _message_image(self, prop: str, m: dict) -> None:
        self.url(f"{prop}.originalContentUrl", m.get("originalContentUrl"))
        self.url(f"{prop}.previewImageUrl", m.get("previewImageUrl"))

    _message_video = _message_image

    def _message_audio(self, prop: str, m: dict) -> None:
        self.url(f"{prop}.originalContentUrl", m.get("originalContentUrl"))
        if not isinstance(m.get("duration"), int):
            self.fail(f"{prop}.duration", "must be a number of milliseconds")

    def _message_location(self, prop: str, m: dict) -> None:
        self.text(f"{prop}.title", m.get("title"), 100)
        self.text(f"{prop}.address", m.get("address"), 100)
        for key in ("latitude", "longitude"):
            if not isinstance(m.get(key), (int, float)):
                self.fail(f"{prop}.{key}", "must be a number")

    def _message_imagemap(self, prop: str, m: dict) -> None:
        self.url(f"{prop}.baseUrl", m.get("baseUrl"))
        self.text(f"{prop}.altText", m.get("altText"), MAX_TEMPLATE_ALT_TEXT)
        self.size(f"{prop}.actions", m.get("actions"), 1, 50)

    def _message_template(self, prop: str, m: dict) -> None:
        self.text(f"{prop}.altText", m.get("altText"), MAX_TEMPLATE_ALT_TEXT)
        template = m.get("template")
        if not isinstance(template, dict):
            self.fail(f"{prop}.template", "must be a template object")
            return
        for j, action in enumerate(template.get("actions") or []):
            self.action(f"{prop}.template.actions[{j}]", action, "template")

    def _message_flex(self, prop: str, m: dict) -> None:
        self.text(f"{prop}.altText", m.get("altText"), MAX_FLEX_ALT_TEXT)
        contents = m.get("contents")
        kind = contents.get("type") if isinstance(contents, dict) else None
        if kind == "bubble":
            self.bubble(f"{prop}.contents", contents)
        elif kind == "carousel":
            assert isinstance(contents, dict)
            if sent_size(contents) > MAX_CAROUSEL_BYTES:
                self.fail(f"{prop}.contents", f"A carousel must be at most {MAX_CAROUSEL_BYTES} bytes of JSON")
            if self.size(f"{prop}.contents.contents", contents.get("contents"), 1, MAX_BUBBLES):
                for j, bubble in enumerate(contents["contents"]):
                    self.bubble(f"{prop}.contents.contents[{j}]", bubble)
        else:
            self.fail(f"{prop}.contents.type", "must be bubble or carousel")

    # -- quick reply and actions -------------------------------------------------------------------------------
    def quick_reply(self, prop: str, quick: object) -> None:
        items = quick.get("items") if isinstance(quick, dict) else None
        if not self.size(f"{prop}.items", items, 1, MAX_QUICK_REPLY_ITEMS):
            return
        assert isinstance(items, list)
        for j, item in enumerate(items):
            where = f"{prop}.items[{j}]"
            if not isinstance(item, dict) or item.get("type") != "action":
                self.fail(f"{where}.type", "must be action")
                continue
            if item.get("imageUrl") is not None:
                self.url(f"{where}.imageUrl", item["imageUrl"])
            action = item.get("action")
            if isinstance(action, dict) and action.get("type") not in _QUICK_REPLY_ACTIONS:
                self.fail(f"{where}.action.type", "is not available in a quick reply")
            self.action(f"{where}.action", action, "quick_reply")

    def action(self, prop: str, a: object, where: str) -> None:
        if not isinstance(a, dict):
            self.fail(prop, "must be an action object")
            return
        kind = a.get("type")
        label_required = where in ("quick_reply", "template", "flex_button")
        self.text(f"{prop}.label", a.get("label"), LABELS[where], required=label_required)
        if kind == "postback":
            self.text(f"{prop}.data", a.get("data"), MAX_DATA)
            self.text(f"{prop}.displayText", a.get("displayText"), MAX_DATA, required=False)
            self.text(f"{prop}.text", a.get("text"), MAX_DATA, required=False)
            if a.get("displayText") and a.get("text"):
                self.fail(prop, "displayText and text cannot both be set")
        elif kind == "message":
            self.text(f"{prop}.text", a.get("text"), MAX_DATA)
        elif kind == "uri":
            self.url(f"{prop}.uri", a.get("uri"), MAX_URI, URI_SCHEMES)
        elif kind == "datetimepicker":
            self.text(f"{prop}.data", a.get("data"), MAX_DATA)
            self.picker(prop, a)
        elif kind == "clipboard":
            self.text(f"{prop}.clipboardText", a.get("clipboardText"), 1000)
        elif kind not in ("camera", "cameraRoll", "location", "richmenuswitch"):
            self.fail(f"{prop}.type", "is not an action type")

    def picker(self, prop: str, a: dict) -> None:
        mode = a.get("mode")
        if mode not in _DATE_FORMATS:
            self.fail(f"{prop}.mode", "must be date, time or datetime")
            return
        low, high = DATE_RANGE.get(mode, ("1900-01-01T00:00", "2100-12-31T23:59"))
        values = {}
        for key in ("initial", "min", "max"):
            value = a.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or not _DATE_FORMATS[mode].match(value) or not low <= value.upper() <= high:
                self.fail(f"{prop}.{key}", f"must be a {mode} between {low} and {high}")
            else:
                values[key] = value.upper()
        if "min" in values and "max" in values and not values["min"] < values["max"]:
            self.fail(f"{prop}.max", "must be greater than min")
        initial = values.get("initial")
        if initial and not values.get("min", initial) <= initial <= values.get("max", initial):
            self.fail(f"{prop}.initial", "must be between min and max")

    # -- Flex containers and components ---------------------------------------------------------------------------
    def bubble(self, prop: str, bubble: object) -> None:
        if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
            self.fail(f"{prop}.type", "must be bubble")
            return
        if sent_size(bubble) > MAX_BUBBLE_BYTES:
            self.fail(prop, f"A bubble must be at most {MAX_BUBBLE_BYTES} bytes of JSON")
        for block in ("header", "body", "footer"):
            box = bubble.get(block)
            if box is None:
                continue
            if isinstance(box, dict) and box.get("type") == "box":
                self.component(f"{prop}.{block}", box, 1)
            else:
                self.fail(f"{prop}.{block}.type", "must be box")
        if bubble.get("hero") is not None:
            self.component(f"{prop}.hero", bubble["hero"], 1)
        if bubble.get("action") is not None:
            self.action(f"{prop}.action", bubble["action"], "flex")

    def component(self, prop: str, c: object, depth: int) -> None:
        if not isinstance(c, dict):
            self.fail(prop, "must be a component")
            return
        kind = c.get("type")
        if kind == "box":
            if depth > MAX_BOX_DEPTH:
                self.fail(prop, f"Boxes may be nested at most {MAX_BOX_DEPTH} deep")
                return
            if c.get("layout") not in ("horizontal", "vertical", "baseline"):
                self.fail(f"{prop}.layout", "must be horizontal, vertical or baseline")
            contents = c.get("contents")
            if not isinstance(contents, list):
                self.fail(f"{prop}.contents", "must be an array of components")
            else:
                for j, child in enumerate(contents):
                    self.component(f"{prop}.contents[{j}]", child, depth + 1)
        elif kind == "text":
            spans = c.get("contents")
            if spans:
                for j, span in enumerate(spans):
                    self.text(
                        f"{prop}.contents[{j}].text", span.get("text") if isinstance(span, dict) else None, MAX_TEXT
                    )
            else:
                self.text(f"{prop}.text", c.get("text"), MAX_TEXT)
        elif kind == "button":
            self.action(f"{prop}.action", c.get("action"), "flex_button")
        elif kind in ("image", "icon"):
            self.url(f"{prop}.url", c.get("url"))
        elif kind == "video":
            self.url(f"{prop}.url", c.get("url"))
            self.url(f"{prop}.previewUrl", c.get("previewUrl"))
            self.component(f"{prop}.altContent", c.get("altContent"), depth + 1)
        elif kind not in ("separator", "filler", "spacer"):
            self.fail(f"{prop}.type", "is not a Flex component")
            return
        if kind != "button" and c.get("action") is not None:
            self.action(f"{prop}.action", c["action"], "flex")


def problems_of(messages: object) -> list[dict[str, str]]:
    """LINE's error details for a list of message objects: what the real API would refuse (empty is good)."""
    checker = _Checker()
    checker.messages(messages)
    return checker.details


def request_problems(path: str, body: dict, headers: dict) -> tuple[str, list[dict[str, str]]]:
    """LINE's error message and details for a reply, push or loading request ("" and [] when it is well formed)."""
    checker = _Checker()
    if path == "/v2/bot/chat/loading/start":
        if not isinstance(body.get("chatId"), str) or not body["chatId"].startswith("U"):
            checker.fail("chatId", "must be the user ID of a one-to-one chat")
        seconds = body.get("loadingSeconds", 20)
        if not isinstance(seconds, int) or seconds % 5 or not 5 <= seconds <= 60:
            checker.fail("loadingSeconds", "must be 5 to 60, a multiple of 5")
    else:
        if path == "/v2/bot/message/reply":
            checker.text("replyToken", body.get("replyToken"), 100)
        else:
            key = headers.get("x-line-retry-key")
            if key is not None and not _RETRY_KEY.match(key):
                return "The value for the 'X-Line-Retry-Key' header is invalid", []
            if not isinstance(body.get("to"), str) or not _CHAT_ID.match(body["to"]):
                return "The property, 'to', in the request body is invalid", []
        checker.messages(body.get("messages"))
    if not checker.details:
        return "", []
    return f"The request body has {len(checker.details)} error(s)", checker.details


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
    def _answer(self, path: str, headers: dict, body: dict | None) -> tuple[int, dict, dict, list[dict]]:
        """Status, body and extra headers of LINE's answer, and the details of what LINE would refuse."""
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, {"message": AUTHENTICATION_FAILED}, {}, []
        with self._lock:
            planned = self.failures.get(path)
            if planned:
                status = planned.pop(0)
                return status, {"message": PLANNED.get(status, "An error occurred in the stand-in (planned).")}, {}, []
        if path not in ("/v2/bot/chat/loading/start", "/v2/bot/message/reply", "/v2/bot/message/push"):
            return 404, {"message": "Not found"}, {}, []
        if body is None:
            return 400, {"message": "The request body could not be parsed as JSON"}, {}, []
        message, details = request_problems(path, body, headers)
        if message:
            refused = details or [{"message": message, "property": ""}]
            return 400, {"message": message, **({"details": details} if details else {})}, {}, refused
        if path == "/v2/bot/chat/loading/start":
            return 202, {}, {}, []
        if path == "/v2/bot/message/reply":
            token = body["replyToken"]
            with self._lock:
                if token in self.expired_tokens or token in self._used_tokens:
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
                    body = None
                if not isinstance(body, dict):
                    body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer, extra, problems = stand_in._answer(self.path, headers, body)
                with stand_in._lock:
                    stand_in.calls.append(Call(self.path, body or {}, headers, status, problems))
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
    return deliver_body(webhook_url, body_of(*events), secret=secret, session=session, timeout=timeout)


def deliver_body(webhook_url: str, body: bytes, secret: str = CHANNEL_SECRET, session=requests, timeout: float = 10):
    """POST any body with a valid signature: what a holder of the channel secret could send."""
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
