"""The web chat widget: its script and stylesheet, a demo city page, and its own channel ("widget").

A city page embeds the widget with one tag:

    <script src="https://bot.example.jp/widget.js" data-bot-url="https://bot.example.jp"
            data-primary-color="#1d5a8c" defer></script>

The widget's sender ids are the server's: /widget/session hands a browser a random id signed with BOT_SECRET_KEY,
which the widget keeps in localStorage and sends with every call (/widget/webhook, /widget/feedback,
/widget/outbox). An id this server did not sign is refused with 403, so nobody can guess or choose their way into
another visitor's conversation, and the REST webhook's free-form senders live in another namespace.

Browsers may call these routes only from the city's own origins (BOT_CORS_ORIGINS plus `widget.allowed_origins`
in data/city.yml), read once at start-up.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, current_app, jsonify, render_template, request, send_from_directory
from flask_cors import CORS
from itsdangerous import BadSignature, Signer

from bot.city import load_city
from bot.errors import ConfigError
from bot.secret import secret_key
from bot.store.models import MAX_INTEGER

from .errors import BadRequest
from .request_json import json_object, string_field
from .rest import answer

bp = Blueprint("widget", __name__, template_folder="templates")

CHANNEL = "widget"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Browser-facing routes that answer cross-origin requests from the configured city origins; the script and stylesheet
# too, for city pages that load them with `crossorigin` and subresource integrity.
CORS_ROUTES = ("/widget/session", "/widget/webhook", "/widget/feedback", "/widget/outbox", "/widget.js", "/widget.css")
# Values the widget's feedback buttons send; analysts read them from turns.feedback.
FEEDBACK_VALUES = ("helpful", "not_helpful")
# A signed id is the random id (22 characters), a dot and the signature (43): anything much longer is not one.
MAX_SIGNED_ID_CHARS = 128
# Used when city.yml has no `widget:` section; both pass 4.5:1 against white.
DEFAULT_COLORS = {"primary_color": "#1d5a8c", "accent_color": "#a3344b"}
# WCAG 2.0 AA minimum for normal text; the widget puts white text on the primary colour
# and accent-coloured text on white.
MIN_CONTRAST = 4.5

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")
_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def contrast_ratio(color_a: str, color_b: str) -> float:
    """WCAG 2.0 contrast ratio of two `#rrggbb` colours (1.0 to 21.0)."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(color_a), luminance(color_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def widget_config(profile: Mapping[str, Any]) -> dict:
    """The `widget:` section of the city profile with defaults, its colours checked for contrast."""
    section = profile.get("widget") or {}
    config = {**DEFAULT_COLORS, **section}
    for key in DEFAULT_COLORS:
        color = str(config[key])
        if not _HEX_COLOR.match(color):
            raise ConfigError(f'city.yml: widget.{key} must be a colour like "#1d5a8c", not {color!r}.')
        ratio = contrast_ratio(color, "#ffffff")
        if ratio < MIN_CONTRAST:
            raise ConfigError(
                f"city.yml: widget.{key} {color} has a contrast of {ratio:.2f}:1 with white; "
                f"JIS X 8341-3 AA needs at least {MIN_CONTRAST}:1. Choose a darker colour."
            )
    return config


def allowed_origins(env_value: str, profile: Mapping[str, Any]) -> list[str]:
    """Origins from BOT_CORS_ORIGINS (comma-separated) and city.yml, validated and deduplicated."""
    configured: Iterable[str] = [*env_value.split(","), *((profile.get("widget") or {}).get("allowed_origins") or [])]
    origins: list[str] = []
    for raw in configured:
        origin = str(raw).strip().rstrip("/")
        if not origin:
            continue
        if not _ORIGIN.match(origin):
            raise ConfigError(
                f"CORS origin {origin!r} is not an origin like https://www.city.example.jp "
                "(scheme and host, no path, no wildcard). Fix BOT_CORS_ORIGINS or widget.allowed_origins in city.yml."
            )
        if origin not in origins:
            origins.append(origin)
    return origins


def init_app(app) -> None:
    """Check the widget settings now, register the routes, and let only the city's origins call them from browsers."""
    settings = app.config["BOT_SETTINGS"]
    profile = load_city(settings.data_dir)
    widget_config(profile)
    origins = allowed_origins(settings.cors_origins, profile)
    # Read now: in production a missing BOT_SECRET_KEY stops the start, with the variable's name.
    app.extensions["widget_signer"] = Signer(secret_key(settings), salt="widget-sender", digest_method=hashlib.sha256)
    app.register_blueprint(bp)
    if origins:
        CORS(
            app,
            resources={route: {"origins": origins} for route in CORS_ROUTES},
            methods=["POST", "OPTIONS"],
            allow_headers=["Content-Type"],
            max_age=600,
        )


@bp.get("/")
def demo_page():
    """A sample city page that embeds the widget exactly as a city page would."""
    profile = load_city(current_app.config["BOT_SETTINGS"].data_dir)
    return render_template(
        "index.html", city=profile["city"], widget=widget_config(profile), embed_base=request.url_root.rstrip("/")
    )


@bp.get("/widget.js")
def widget_js():
    return send_from_directory(STATIC_DIR, "widget.js", mimetype="text/javascript", max_age=300)


@bp.get("/widget.css")
def widget_css():
    return send_from_directory(STATIC_DIR, "widget.css", mimetype="text/css", max_age=300)


def _signer() -> Signer:
    signer: Signer = current_app.extensions["widget_signer"]
    return signer


def _sender(body: dict[str, Any]) -> str:
    """The sender id inside the body's signed `sender`; 403 when this server did not sign it."""
    signed = cast(str, string_field(body, "sender", max_len=MAX_SIGNED_ID_CHARS))  # required: never None
    try:
        return _signer().unsign(signed).decode("ascii")
    except (BadSignature, UnicodeError):
        raise BadRequest("`sender` is not an id this server issued; get one from /widget/session.", 403) from None


@bp.post("/widget/session")
def session():
    """A new visitor's sender id: random, signed, kept by the widget in its browser."""
    return jsonify(sender=_signer().sign(secrets.token_urlsafe(16)).decode("ascii"))


@bp.post("/widget/webhook")
def webhook():
    """The REST webhook's message and reply shapes, for the widget's signed sender ids."""
    body = json_object()
    return answer(body, _sender(body), CHANNEL)


@bp.post("/widget/feedback")
def feedback():
    """Store 役に立った / 役に立たなかった with the turn it rates."""
    body = json_object()
    sender = _sender(body)
    turn_id, value = body.get("turn_id"), body.get("value")
    if isinstance(turn_id, bool) or not isinstance(turn_id, int) or not 1 <= turn_id <= MAX_INTEGER:
        raise BadRequest("`turn_id` must be a turn's number (a positive integer).")
    if value not in FEEDBACK_VALUES:
        raise BadRequest(f"`value` must be one of: {', '.join(FEEDBACK_VALUES)}.")
    if not current_app.extensions["bot_engine"].record_feedback(sender, turn_id, value, channel=CHANNEL):
        raise BadRequest("No such turn for this sender.", 404)
    return jsonify(status="ok")


@bp.post("/widget/outbox")
def outbox():
    """Messages waiting for this web user (reminders, payment notices), each handed out once."""
    return jsonify(current_app.extensions["bot_engine"].pending_messages(_sender(json_object()), CHANNEL))
