"""JSON errors for every route, registered in one place; no stack trace ever reaches a client."""

from __future__ import annotations

import logging

from flask import jsonify, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Input that got past the checks and failed deep down: nesting past the recursion limit, a lone surrogate that cannot
# be encoded, a number or text the database refuses (out of range, NUL on PostgreSQL). The request was bad, so the
# client gets a 400; but a check is missing where the input came in, so it is logged as an error with its trace.
INPUT_ERRORS: tuple[type[Exception], ...] = (RecursionError, UnicodeError, OverflowError, DataError)


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def error_response(status: int, message: str):
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def init_app(app):
    @app.errorhandler(BadRequest)
    def _bad_request(exc: BadRequest):
        return error_response(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, INPUT_ERRORS):
            # the route's name, not its path or the body: those may carry personal data
            log.error(
                "unchecked bad input reached %s (%s); check it where it comes in",
                request.endpoint,
                type(exc).__name__,
                exc_info=exc,
            )
            return error_response(400, "The request could not be processed: a value in it is not accepted.")
        log.exception("unhandled error")
        return error_response(500, "internal error")
