"""Rasa-compatible REST channel: /webhooks/rest/webhook, /model/parse, /health, /ready, /version.

The REST channel's senders are free-form, as in Rasa, and live in the REST channel's own namespace: a sender
named here is never a LINE user or a web-widget visitor, whatever id it carries.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from bot.input import InputError, clean

from .errors import BadRequest, error_response
from .request_json import json_object, string_field

bp = Blueprint("rest", __name__)
CHANNEL = "rest"
# Raw messages above this are rejected outright; the engine truncates anything above its own, lower limit.
MAX_RAW_MESSAGE = 100_000


def _engine():
    return current_app.extensions["bot_engine"]


def _message(body: dict) -> str:
    message = body.get("message", body.get("text"))
    if message is None:
        raise BadRequest("`message` is required.")
    if not isinstance(message, str):
        raise BadRequest("`message` must be a string.")
    if len(message) > MAX_RAW_MESSAGE:
        raise BadRequest(f"`message` is longer than {MAX_RAW_MESSAGE} characters.", 413)
    return message


def answer(body: dict[str, Any], sender: str, channel: str) -> Response:
    """The engine's replies to the message in `body` ({"message", "metadata"}) from `sender` of `channel`."""
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("`metadata` must be an object.")
    try:
        return jsonify(_engine().handle_message(sender, _message(body), channel=channel, metadata=metadata))
    except InputError as exc:
        raise BadRequest(str(exc), 413 if exc.too_large else 400) from None


@bp.post("/webhooks/rest/webhook")
def webhook():
    body = json_object()
    return answer(body, string_field(body, "sender", max_len=128), CHANNEL)


@bp.post("/model/parse")
def parse():
    body = json_object()
    text = body.get("text")
    if not isinstance(text, str):
        raise BadRequest("`text` is required and must be a string.")
    if len(text) > MAX_RAW_MESSAGE:
        raise BadRequest(f"`text` is longer than {MAX_RAW_MESSAGE} characters.", 413)
    engine = _engine()
    # read as a message is: without control characters or unpaired surrogates, and truncated
    return jsonify(engine.parse(clean(text, engine.settings.max_message_chars).text))


@bp.get("/health")
def health():
    """Liveness: the process answers. Whether it can serve a chat is /ready's question."""
    return jsonify({"status": "ok"})


@bp.get("/ready")
def ready():
    """Readiness: a model is loaded and the database answers; 503 with the reason otherwise."""
    problem = _engine().readiness()
    if problem:
        return error_response(503, f"not ready: {problem}")
    return jsonify({"status": "ready"})


@bp.get("/version")
def version():
    model = _engine().agent.model
    return jsonify(
        {
            "version": current_app.config["BOT_VERSION"],
            "minimum_compatible_version": "3.6.0",
            "model_fingerprint": model.fingerprint,
            "model_trained_at": model.trained_at,
        }
    )


def init_app(app):
    app.register_blueprint(bp)
