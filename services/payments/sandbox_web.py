"""The payment sandbox's hosted page, /pay/sandbox/<id>: what PayPay's or a card processor's page would be.

Paying marks the sandbox charge paid (once, however often the form is sent) and POSTs the signed completion
callback to the merchant (this bot's /payments/sandbox/callback). Registered only when data/bulky.yml names the
sandbox as the payment provider.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, abort, current_app, render_template, request

from bot.messages import render
from services.booking.config import load_config

from .base import OPEN, SETTLED
from .sandbox import SandboxLedger, sandbox_secret

bp = Blueprint("payment_sandbox", __name__, url_prefix="/pay/sandbox", template_folder="templates")


def _ledger() -> SandboxLedger:
    return current_app.extensions["payment_sandbox"]


def _text(response: str) -> str:
    return render(current_app.config["BOT_SETTINGS"], response)


def _form_token(charge_id: str) -> str:
    """Ties the page's form to its charge, so another site cannot make a browser pay."""
    return hmac.new(_ledger().secret.encode(), f"pay:{charge_id}".encode(), hashlib.sha256).hexdigest()


@bp.get("/<charge_id>")
def page(charge_id: str):
    charge = _ledger().get(charge_id) or abort(404, description=_text("utter_payment_page_not_found"))
    return render_template(
        "payment_sandbox.html", charge=charge, token=_form_token(charge_id), open=OPEN, paid=SETTLED, delivered=None
    )


@bp.post("/<charge_id>")
def pay(charge_id: str):
    ledger = _ledger()
    if ledger.get(charge_id) is None:
        abort(404, description=_text("utter_payment_page_not_found"))
    if not hmac.compare_digest(request.form.get("token", ""), _form_token(charge_id)):
        abort(400, description=_text("utter_payment_form_invalid"))
    charge = ledger.pay(charge_id)
    delivered = ledger.deliver(charge) if charge.status == SETTLED else None
    return render_template(
        "payment_sandbox.html", charge=charge, token=None, open=OPEN, paid=SETTLED, delivered=delivered
    )


def init_app(app) -> None:
    settings = app.config["BOT_SETTINGS"]
    if load_config(settings.data_dir).payment_provider != "sandbox":
        return
    app.extensions["payment_sandbox"] = SandboxLedger(settings.database_url, sandbox_secret(settings))
    app.register_blueprint(bp)
