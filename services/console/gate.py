"""What every request under /admin goes through, whichever blueprint serves it (the console's, FAQ curation's, the
queue's, the bookings'): the internal listener, the session cookie's settings, CSRF on every form, and refusal of
any console view that declared no roles.

- With BOT_CONSOLE_PORT set, /admin answers only on the internal listener (connectors.listeners) and that listener
  answers nothing else: 404 either way, as for a path that does not exist.
- The session cookie is HttpOnly, SameSite=Lax, limited to /admin, and Secure in production (BOT_ENV=production:
  reach the console over https, through the TLS proxy, even on the internal address).
- Every POST (PUT, PATCH, DELETE) under /admin needs the session's CSRF token (Flask-WTF): a form carries
  `<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">`, a script sends the X-CSRFToken header.
  The Referer is not required (the app sends Referrer-Policy: no-referrer); the token and SameSite suffice.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Blueprint, Flask, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.secret import secret_key
from connectors.errors import error_response
from connectors.limits import limiter
from connectors.listeners import INTERNAL, listener

from .auth import roles_of

log = logging.getLogger(__name__)
PREFIX = "/admin"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def under_console(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _gate() -> ResponseReturnValue | None:
    settings = current_app.config["BOT_SETTINGS"]
    console_path = under_console(request.path)
    if settings.console_port and console_path != (listener(request.environ) == INTERNAL):
        not_here: Response = error_response(404, "Not Found")  # as for any path that does not exist
        return not_here
    if not console_path:
        return None
    if request.method in UNSAFE_METHODS:
        current_app.extensions["csrf"].protect()
    endpoint = request.endpoint or ""
    view = current_app.view_functions.get(endpoint)
    if view is not None and not endpoint.endswith(".static") and roles_of(view) is None:
        log.error("console view %s declares no roles (require_role or public): refused", request.endpoint)
        return render_template("console/message.html", key="forbidden"), 403
    return None


def _csrf_refused(exc: CSRFError) -> ResponseReturnValue:
    return render_template("console/message.html", key="form_expired"), 400


def _too_many(exc: RateLimitExceeded) -> ResponseReturnValue:
    refused = limiter().current_limit
    wait = max(1, math.ceil(refused.reset_at - time.time())) if refused else 1
    minutes = max(1, math.ceil(wait / 60))
    return render_template("console/message.html", key="too_many", minutes=minutes), 429, {"Retry-After": str(wait)}


def init_app(app: Flask) -> None:
    settings = app.config["BOT_SETTINGS"]
    app.secret_key = app.secret_key or secret_key(settings)  # Flask signs sessions with its own salt
    app.config.update(
        SESSION_COOKIE_NAME="citybot_console",
        SESSION_COOKIE_PATH=PREFIX,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        WTF_CSRF_CHECK_DEFAULT=False,  # the JSON channels are not forms: only /admin is checked, in _gate
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session (which the idle timeout ends)
        WTF_CSRF_SSL_STRICT=False,
    )
    CSRFProtect(app)
    app.before_request(_gate)
    if settings.production and not settings.console_port:
        log.warning("the console (/admin) is served to everyone who reaches the bot: set BOT_CONSOLE_PORT (README)")
    app.register_error_handler(CSRFError, _csrf_refused)


def html_rate_limits(bp: Blueprint) -> None:
    """A console blueprint's 429 is a Japanese page, not the channels' JSON."""
    bp.register_error_handler(RateLimitExceeded, _too_many)
