"""Payment providers' callbacks: POST /payments/<provider>/callback, verified on the raw body, applied once.

A callback that could not be applied (no payment of ours, or not matching it) is answered 409: providers send a
callback again until they get a 2xx, and its event id was not used up, so a later delivery is applied."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from connectors.errors import BadRequest
from services.booking.config import load_config

from .base import InvalidCallback
from .billing import payment_service
from .service import NOT_APPLIED

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__, url_prefix="/payments")


@bp.post("/<provider>/callback")
def callback(provider: str):
    settings = current_app.config["BOT_SETTINGS"]
    if provider != load_config(settings.data_dir).payment_provider:
        raise BadRequest("No such payment provider.", 404)
    service = payment_service(settings, current_app.extensions["bot_engine"].now)
    try:
        outcome = service.handle_callback(request.get_data(cache=False), request.headers)
    except InvalidCallback as exc:
        log.warning("refused a %s payment callback: %s", provider, exc)
        raise BadRequest(str(exc)) from exc
    log.info("%s payment callback: %s", provider, outcome)
    if outcome in NOT_APPLIED:
        raise BadRequest(f"The callback was not applied ({outcome}); send it again later.", 409)
    return jsonify(status="ok", outcome=outcome)


def init_app(app) -> None:
    app.register_blueprint(bp)
