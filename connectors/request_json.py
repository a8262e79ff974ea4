"""Strict JSON bodies: the right content type, valid UTF-8, an object with the expected fields."""

from __future__ import annotations

import json

from flask import request

from .errors import BadRequest


def json_object() -> dict:
    if not request.mimetype or request.mimetype != "application/json":
        raise BadRequest("Content-Type must be application/json.", 415)
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The body is not valid UTF-8 (byte {exc.start}).") from exc
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}.") from exc
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def string_field(body: dict, name: str, required: bool = True, max_len: int = 200) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"`{name}` is required.")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"`{name}` must be a string.")
    if required and not value.strip():
        raise BadRequest(f"`{name}` must not be empty.")
    if len(value) > max_len:
        raise BadRequest(f"`{name}` is longer than {max_len} characters.")
    return value
