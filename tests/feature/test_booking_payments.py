"""Online payment with the sandbox provider: hosted page, signed callbacks, refunds; idempotent in any order."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot import outbox
from bot.messages import render
from services.booking.config import load_config
from services.booking.service import BookingStore
from services.payments.base import InvalidCallback
from services.payments.billing import payment_service
from services.payments.sandbox import SIGNATURE_HEADER, SandboxLedger, sign
from tests.support.payment_support import NOW, SECRET, booked, charge_id, eventually, paid_callback, status


@pytest.fixture
def extra_env() -> dict[str, str]:
    # nothing listens at BOT_PUBLIC_URL: callbacks are delivered by hand
    return {"PAYMENT_SANDBOX_SECRET": SECRET, "BOT_PUBLIC_URL": "http://127.0.0.1:9"}


def test_a_paid_callback_is_applied_once_and_the_citizen_is_told(settings):
    number = booked(settings)
    service = payment_service(settings, lambda: NOW)
    checkout = service.start(number)
    assert checkout.status == "pending" and checkout.url.startswith("http://127.0.0.1:9/pay/sandbox/sbx_")
    assert service.start(number) == checkout  # asking again: the same checkout, never a second charge
    body, headers = paid_callback(settings, checkout.id)
    assert service.handle_callback(body, headers) == "paid"
    assert service.handle_callback(body, headers) == "duplicate"
    assert status(settings, number) == ("booked", "paid")
    notices = outbox.fetch(settings.database_url, "web-1")
    assert len(notices) == 1 and "2,000円" in notices[0]["text"] and number in notices[0]["text"]


def test_forged_stale_or_tampered_callbacks_are_refused(settings):
    number = booked(settings)
    service = payment_service(settings, lambda: NOW)
    checkout = service.start(number)
    body, headers = paid_callback(settings, checkout.id)
    forged = {SIGNATURE_HEADER: sign("not-the-secret", body, int(time.time()))}
    stale = {SIGNATURE_HEADER: sign(SECRET, body, int(time.time()) - 3600)}
    tampered = body.replace(b'"amount": 2000', b'"amount": 1')
    for b, h in ((body, forged), (body, stale), (tampered, headers), (body, {})):
        with pytest.raises(InvalidCallback):
            service.handle_callback(b, h)
    assert status(settings, number) == ("booked", "pending")


def test_cancelling_a_paid_booking_refunds_it_and_a_late_callback_changes_nothing(settings):
    number = booked(settings)
    service = payment_service(settings, lambda: NOW)
    checkout = service.start(number)
    body, headers = paid_callback(settings, checkout.id)
    assert service.handle_callback(body, headers) == "paid"
    BookingStore(settings.database_url, load_config(settings.data_dir)).cancel(number, NOW)
    assert service.settle_cancelled(number) == "refunded"
    assert status(settings, number) == ("cancelled", "refunded")
    assert service.handle_callback(body, headers) == "duplicate"
    again = json.loads(body)
    again["id"] = "evt_resent_as_new"
    resent = json.dumps(again).encode()
    signed = {SIGNATURE_HEADER: sign(SECRET, resent, int(time.time()))}
    assert service.handle_callback(resent, signed) == "already_refunded"
    assert status(settings, number) == ("cancelled", "refunded")
    assert SandboxLedger(settings.database_url, SECRET).get(charge_id(settings, checkout.id)).status == "refunded"


def test_paid_at_the_provider_but_cancelled_before_the_callback_arrives(settings):
    number = booked(settings)
    service = payment_service(settings, lambda: NOW)
    checkout = service.start(number)
    body, headers = paid_callback(settings, checkout.id)  # paid; the callback is still on its way
    BookingStore(settings.database_url, load_config(settings.data_dir)).cancel(number, NOW)
    assert service.settle_cancelled(number) == "refunded"
    assert service.handle_callback(body, headers) == "already_refunded"  # late: no resurrection, no second charge
    assert status(settings, number) == ("cancelled", "refunded")


def test_an_unpaid_checkout_is_voided_on_cancel_and_cannot_be_paid_afterwards(settings):
    number = booked(settings)
    service = payment_service(settings, lambda: NOW)
    checkout = service.start(number)
    BookingStore(settings.database_url, load_config(settings.data_dir)).cancel(number, NOW)
    assert service.settle_cancelled(number) == "voided"
    ledger = SandboxLedger(settings.database_url, SECRET)
    assert ledger.pay(charge_id(settings, checkout.id)).status == "cancelled"
    assert status(settings, number) == ("cancelled", "cancelled")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_same_callback_delivered_many_times_at_once_counts_once(settings, backend, request):
    if backend == "postgresql":
        settings = settings.with_(database_url=request.getfixturevalue("pg_url"))
    number = booked(settings)
    service = payment_service(settings, lambda: NOW)
    body, headers = paid_callback(settings, service.start(number).id)
    barrier = threading.Barrier(6)

    def deliver(_):
        barrier.wait()
        return service.handle_callback(body, headers)

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(deliver, range(6)))
    assert outcomes.count("paid") == 1 and outcomes.count("duplicate") == 5
    assert len(outbox.fetch(settings.database_url, "web-1")) == 1


def test_callback_endpoint_verifies_and_answers(client, settings):
    number = booked(settings)
    service = payment_service(settings, lambda: NOW)
    body, headers = paid_callback(settings, service.start(number).id)
    assert (
        client.post(
            "/payments/sandbox/callback", data=body, headers={**headers, SIGNATURE_HEADER: "t=1,v1=00"}
        ).status_code
        == 400
    )
    assert client.post("/payments/paypay/callback", data=body, headers=headers).status_code == 404
    response = client.post("/payments/sandbox/callback", data=body, headers=headers)
    assert response.status_code == 200 and response.get_json()["outcome"] == "paid"
    assert client.post("/payments/sandbox/callback", data=body, headers=headers).get_json()["outcome"] == "duplicate"


def test_hosted_page_pays_once_and_calls_back_over_http(live_server, settings):
    number = booked(settings)
    checkout = payment_service(settings.with_(public_url=live_server), lambda: NOW).start(number)
    assert checkout.url.startswith(live_server)
    page = requests.get(checkout.url, timeout=10)
    assert page.status_code == 200 and "2,000円" in page.text and "支払う" in page.text
    assert render(settings, "utter_payment_description", number=number) in page.text  # what is paid, from domain.yml
    token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    assert requests.post(checkout.url, data={"token": "forged"}, timeout=10).status_code == 400
    first = requests.post(checkout.url, data={"token": token}, timeout=10)
    assert first.status_code == 200 and "お支払いを受け付けました" in first.text
    assert eventually(lambda: status(settings, number) == ("booked", "paid"))  # the callback follows the page
    second = requests.post(checkout.url, data={"token": token}, timeout=10)  # the form sent twice
    assert second.status_code == 200 and "お支払いを受け付けました" in second.text
    assert status(settings, number) == ("booked", "paid")
    assert len(outbox.fetch(settings.database_url, "web-1")) == 1
    assert requests.get(f"{live_server}/pay/sandbox/sbx_unknown", timeout=10).status_code == 404
