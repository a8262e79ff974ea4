"""Flask app factory: one blueprint per channel, all speaking to one engine."""
from __future__ import annotations

import logging

from flask import Flask

from bot import __version__
from bot.settings import Settings

from . import errors, payment_sandbox, payments, rest, staff, widget


def create_app(settings: Settings | None = None, engine=None, watch_model: bool = True) -> Flask:
    """Build the app; `engine` may be injected (tests, benchmarks), otherwise it is built from settings."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(BOT_SETTINGS=settings, JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=1024 * 1024)
    app.json.ensure_ascii = False
    if engine is None:
        from bot.engine import Engine

        engine = Engine(settings, watch=watch_model)
    app.extensions["bot_engine"] = engine
    app.config["BOT_VERSION"] = __version__
    errors.init_app(app)
    rest.init_app(app)
    widget.init_app(app)
    payments.init_app(app)
    payment_sandbox.init_app(app)
    staff.init_app(app)
    for optional in ("line",):
        module = _optional(optional)
        if module is not None:
            module.init_app(app)
    logging.getLogger("bot").setLevel(logging.INFO)
    return app


def _optional(name: str):
    import importlib

    try:
        return importlib.import_module(f"connectors.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"connectors.{name}":
            raise
        return None
