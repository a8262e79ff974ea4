"""Flask app factory: the REST and widget channels, then each feature's blueprints (LINE, staff pages,
payments), all speaking to one engine."""

from __future__ import annotations

import logging
from typing import cast

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from bot import __version__
from bot.features import features
from bot.settings import Settings

from . import errors, limits, rest, security, widget


def create_app(settings: Settings | None = None, engine=None, watch_model: bool = True) -> Flask:
    """Build the app; `engine` may be injected (tests, benchmarks), otherwise it is built from settings."""
    settings = settings or Settings.from_env()
    settings.check_production()  # what production forbids stops the start, saying why
    for feature in features():
        if feature.check:
            feature.check(settings)
    app = Flask(__name__)
    app.config.update(BOT_SETTINGS=settings, JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=1024 * 1024)
    # Flask's default provider; its declared type, the base JSONProvider, has no ensure_ascii
    cast(DefaultJSONProvider, app.json).ensure_ascii = False
    if engine is None:
        from bot.engine import Engine

        engine = Engine(settings, watch=watch_model)
    app.extensions["bot_engine"] = engine
    app.config["BOT_VERSION"] = __version__
    errors.init_app(app)
    security.init_app(app)
    limits.init_app(app)  # before the routes: features add their own limits in their init_app
    rest.init_app(app)
    widget.init_app(app)
    for feature in features():
        if feature.init_app:
            feature.init_app(app)
    logging.getLogger("bot").setLevel(logging.INFO)
    return app
