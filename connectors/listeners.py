"""Which listener a request came in on, for pages that must not be reachable from the citizens' side.

`bot run` serves the app on its --host and --port and, when BOT_CONSOLE_PORT is set, once more on BOT_CONSOLE_HOST
(an internal address) with every request marked INTERNAL in its WSGI environ. Clients cannot set that mark (their
headers become HTTP_* keys), so a feature can refuse a path unless it came in on the internal listener.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

LISTENER_KEY = "citybot.listener"
INTERNAL = "internal"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def on_listener(app: WSGIApp, name: str) -> WSGIApp:
    """`app` with every request marked as arriving on the listener `name`."""

    def marked(wsgi_env: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        wsgi_env[LISTENER_KEY] = name
        return app(wsgi_env, start_response)

    return marked


def listener(environ: dict[str, Any]) -> str | None:
    """The listener a request came in on (None: the public one, or a server that marks none)."""
    name: str | None = environ.get(LISTENER_KEY)
    return name
