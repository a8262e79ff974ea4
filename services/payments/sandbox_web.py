"""The payment sandbox's hosted page, /pay/sandbox/<id>: what PayPay's or a card processor's page would be.

Paying marks the sandbox charge paid (once, however often the form is sent) and queues the signed completion
callback to the merchant (this bot's /payments/sandbox/callback); the sandbox's worker thread sends it, so the page
answers at once and a burst of payments never ties up the threads that the callbacks themselves need. Registered
only when data/bulky.yml offers online payment through the sandbox.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, abort, current_app, render_template, request

from bot.messages import render

from .base import OPEN, SETTLED
from .sandbox import SandboxLedger, sandbox_secret
from .worker import Worker

bp = Blueprint("payment_sandbox", __name__, url_prefix="/pay/sandbox", template_folder="templates")


def _ledger() -> SandboxLedger:
    ledger: SandboxLedger = current_app.extensions["payment_sandbox"]
    return ledger


def _text(response: str) -> str:
    return render(current_app.config["BOT_SETTINGS"], response)


def _form_token(charge_id: str) -> bytes:
    """Ties the page's form to its charge, so another site cannot make a browser pay."""
    return hmac.new(_ledger().secret.encode(), f"pay:{charge_id}".encode(), hashlib.sha256).hexdigest().encode()


def _page(charge, token: bytes | None):
    return render_template(
        "payment_sandbox.html", charge=charge, token=token.decode() if token else None, open=OPEN, paid=SETTLED
    )


@bp.get("/<charge_id>")
def page(charge_id: str):
    charge = _ledger().get(charge_id) or abort(404, description=_text("utter_payment_page_not_found"))
    return _page(charge, _form_token(charge_id))


@bp.post("/<charge_id>")
def pay(charge_id: str):
    ledger = _ledger()
    if ledger.get(charge_id) is None:
        abort(404, description=_text("utter_payment_page_not_found"))
    # compared as bytes: any text (not only ASCII) of any length is a wrong token, never an error
    if not hmac.compare_digest(request.form.get("token", "").encode("utf-8", "replace"), _form_token(charge_id)):
        abort(400, description=_text("utter_payment_form_invalid"))
    charge = ledger.pay(charge_id)
    current_app.extensions["payment_sandbox_worker"].wake()
    return _page(charge, None)


def init_app(app) -> None:
    settings = app.config["BOT_SETTINGS"]
    ledger = SandboxLedger(settings.database_url, sandbox_secret(settings))
    worker = Worker("payment-sandbox-callbacks", ledger.deliver_due)
    app.extensions["payment_sandbox"] = ledger
    app.extensions["payment_sandbox_worker"] = worker
    app.register_blueprint(bp)
    worker.wake()  # callbacks queued before a restart go out now
