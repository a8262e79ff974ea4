"""Strict JSON bodies: the right content type, valid UTF-8, bounded nesting, an object with the expected fields.

Every JSON document the bot reads from outside goes through `loads`: request bodies here, and signed callbacks
elsewhere (payment providers). `json.loads` alone raises RecursionError on a few thousand nested brackets, and a deep
structure that does parse would recurse again in whatever handles it next (logging, the store's JSON columns).
"""

from __future__ import annotations

import json
import math
from typing import Any, cast

from flask import g, request
from werkzeug.exceptions import HTTPException

from .errors import BadRequest

# Deepest nesting of arrays and objects accepted; the bot's own clients send 3 at most (metadata inside the body).
MAX_DEPTH = 32


class InvalidJSON(ValueError):
    """Not JSON (RFC 8259: no NaN or Infinity, numbers a double can hold), or nested deeper than allowed."""


def loads(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON document from outside (bytes: UTF-8); InvalidJSON (a ValueError) says why it was refused."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        raise InvalidJSON(f"nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise InvalidJSON(str(exc)) from None
    if _deeper_than(value, max_depth):
        raise InvalidJSON(f"nested deeper than {max_depth} levels")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400: stored back as Infinity, which no JSON column takes
        raise ValueError(f"{text} is out of range")
    return number


def _deeper_than(value: Any, max_depth: int) -> bool:
    """Whether arrays and objects nest more than `max_depth` levels (iterative: the depth is the input's)."""
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(max_depth):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def _parsed() -> tuple[Any, Exception | None]:
    """The request body parsed once per request (the rate limiter reads the sender before the view does), or the
    error to answer with."""
    if "json_body" not in g:
        g.json_body = _parse()
    result: tuple[Any, Exception | None] = g.json_body
    return result


def _parse() -> tuple[Any, Exception | None]:
    if request.mimetype != "application/json":
        return None, BadRequest("Content-Type must be application/json.", 415)
    try:
        raw = request.get_data(cache=True)
    except HTTPException as exc:  # 413: over MAX_CONTENT_LENGTH
        return None, exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, BadRequest(f"The body is not valid UTF-8 (byte {exc.start}).")
    try:
        body = loads(text)
    except InvalidJSON as exc:
        return None, BadRequest(f"The body is not valid JSON: {exc}.")
    if not isinstance(body, dict):
        return None, BadRequest("The body must be a JSON object.")
    return body, None


def json_object() -> dict[str, Any]:
    """The request's JSON object, or a clear 4xx (BadRequest) saying what is wrong with it."""
    body, error = _parsed()
    if error:
        raise error
    return cast(dict[str, Any], body)


def body_field(name: str) -> str | None:
    """A string field of the JSON body if it has one, else None; never raises (the view reports bad bodies)."""
    if request.mimetype != "application/json":
        return None
    body, error = _parsed()
    value = None if error else body.get(name)
    return value if isinstance(value, str) and value else None


def string_field(body: dict[str, Any], name: str, required: bool = True, max_len: int = 200) -> str | None:
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
