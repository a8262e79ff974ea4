"""Rasa-compatible REST channel: /webhooks/rest/webhook, /model/parse, /health, /version."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from .errors import BadRequest
from .request_json import json_object, string_field

bp = Blueprint("rest", __name__)
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


@bp.post("/webhooks/rest/webhook")
def webhook():
    body = json_object()
    sender = string_field(body, "sender", max_len=128)
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise BadRequest("`metadata` must be an object.")
    return jsonify(_engine().handle_message(sender, _message(body), channel="rest", metadata=metadata))


@bp.post("/model/parse")
def parse():
    body = json_object()
    text = body.get("text")
    if not isinstance(text, str):
        raise BadRequest("`text` is required and must be a string.")
    if len(text) > MAX_RAW_MESSAGE:
        raise BadRequest(f"`text` is longer than {MAX_RAW_MESSAGE} characters.", 413)
    engine = _engine()
    return jsonify(engine.parse(text[: engine.settings.max_message_chars]))


@bp.get("/health")
def health():
    return jsonify({"status": "ok"})


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
