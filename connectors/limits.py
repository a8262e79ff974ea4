"""Rate limits (Flask-Limiter): per client address on every route, and per conversation on the chat routes.

Two application-wide limits, each one budget across all routes: BOT_RATE_LIMIT_PER_IP per client address, and
BOT_RATE_LIMIT_PER_SENDER per `sender` named in a JSON body (the REST webhook, the widget's routes). Counts live in
this process's memory, or in Redis when BOT_RATE_LIMIT_STORAGE_URL names one, so that the limits hold across workers
and hosts; while Redis is unreachable each process counts in memory. A refused request gets 429 with Retry-After.

Exempt: LINE's webhook (LINE's servers deliver every user's events from a few addresses, each delivery signed; the
LINE worker has no per-chat limit either) and the payment providers' callbacks (signed; refusing one only delays a
payment). Behind a reverse proxy, BOT_TRUSTED_PROXIES makes the client address the one the proxy saw
(connectors/security.py).

Features add their own limits on the same limiter and storage, in their init_app:

    from connectors.limits import client_ip, limiter
    limiter(app).limit("10/15 minutes", key_func=client_ip, deduct_when=lambda r: r.status_code == 401)(bp)
"""

from __future__ import annotations

import math
import threading
import time

from flask import Flask, Response, current_app, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits.storage import MemoryStorage

from .errors import error_response
from .request_json import body_field

# Blueprints whose callers are other services authenticated by signature, not citizens.
EXEMPT_BLUEPRINTS = frozenset({"line", "payments"})
KEY_PREFIX = "citybot"


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory counts, swept for expired entries once a second instead of every 10 ms. The sweep walks every
    key: at a few hundred clients, run every 10 ms, it cost 1.5–3 ms per chat turn (bench/RESULTS.md). The counts never
    depend on it (a moving window reads its entries' times, a counter expires when read); it only frees memory."""

    STORAGE_SCHEME = ["citybot-memory"]  # noqa: RUF012 - limits registers the class under this scheme
    SWEEP_EVERY = 1.0  # seconds

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's private scheduler, by its mangled name
        if not self.timer.is_alive():
            sweep = getattr(self, "_MemoryStorage__expire_events")  # noqa: B009 - a private name, unknown to mypy
            self.timer = threading.Timer(self.SWEEP_EVERY, sweep)
            self.timer.daemon = True
            self.timer.start()


def client_ip() -> str:
    """The client's address (the proxy's view of it when BOT_TRUSTED_PROXIES is set)."""
    return request.remote_addr or "unknown"


def sender_key() -> str:
    return f"sender:{body_field('sender')}"


def _exempt() -> bool:
    return request.blueprint in EXEMPT_BLUEPRINTS


def _no_sender() -> bool:
    return _exempt() or body_field("sender") is None


def limiter(app: Flask | None = None) -> Limiter:
    """The app's limiter, for features that add limits of their own."""
    limiter: Limiter = (app or current_app).extensions["rate_limiter"]
    return limiter


def init_app(app: Flask) -> None:
    """Before the channels and features register their routes, so that their init_app finds `limiter(app)`."""
    settings = app.config["BOT_SETTINGS"]
    app.extensions["rate_limiter"] = Limiter(
        client_ip,
        app=app,
        application_limits=[
            ApplicationLimit(settings.rate_limit_per_ip, key_function=client_ip, scope="ip", exempt_when=_exempt),
            ApplicationLimit(
                settings.rate_limit_per_sender, key_function=sender_key, scope="sender", exempt_when=_no_sender
            ),
        ],
        storage_uri=settings.rate_limit_storage_url or "citybot-memory://",
        strategy="moving-window",
        key_prefix=KEY_PREFIX,
        in_memory_fallback_enabled=True,
    )

    @app.errorhandler(RateLimitExceeded)
    def _refused(exc: RateLimitExceeded) -> Response:
        response = error_response(429, f"Too many requests ({exc.description}); try again later.")
        response.headers["Retry-After"] = str(_retry_after(limiter(app)))
        return response


def _retry_after(rate_limiter: Limiter) -> int:
    """Whole seconds until the refused limit lets a request through again (at least 1)."""
    refused = rate_limiter.current_limit
    if refused is None:
        return 1
    return max(1, math.ceil(refused.reset_at - time.time()))
