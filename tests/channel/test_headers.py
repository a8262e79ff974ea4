"""Security headers on the real app (finding 9): each header on the pages it protects, and in real Chromium the
attacks they stop: framing the payment page to clickjack 支払う, and the demo page with its widget running under the
policy without a single violation."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import sync_playwright

from bot.city import load_city
from tests.support.console_support import signed_in
from tests.support.widget_browser import launch_chromium

CITY_ORIGIN = "https://city.example.jp"


@pytest.fixture
def extra_env():
    return {"BOT_CORS_ORIGINS": CITY_ORIGIN}


@pytest.fixture
def payment_page(app) -> str:
    """The path of an open charge's page on the payment sandbox (the demo city pays through it)."""
    charge = app.extensions["payment_sandbox"].open("B-HEADERS", 2200, "粗大ごみ収集手数料", "http://127.0.0.1:9/cb")
    return f"/pay/sandbox/{charge.id}"


def csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (part.strip() for part in policy.split(";")) if d}


@pytest.fixture
def staff(app, settings):
    """A browser signed in to the console as a bookings user."""
    return signed_in(app, settings.database_url, "bookings")


@pytest.mark.parametrize("page", ["staff", "payment"])
def test_staff_and_payment_pages_cannot_be_framed_cached_or_leak_their_address(client, staff, payment_page, page):
    response = staff.get("/admin/bookings/") if page == "staff" else client.get(payment_page)
    assert response.status_code == 200
    assert csp(response)["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert csp(response)["form-action"] == "'self'"  # their forms post only back here


def test_the_staff_csv_and_the_sign_in_page_carry_them_too(client, staff):
    assert staff.get("/admin/bookings/export.csv").headers["Cache-Control"] == "no-store"
    sign_in = client.get("/admin/login")
    assert sign_in.status_code == 200 and sign_in.headers["X-Frame-Options"] == "DENY"
    assert csp(sign_in)["frame-ancestors"] == "'none'" and sign_in.headers["Cache-Control"] == "no-store"


def test_pages_run_only_our_own_scripts_and_styles(client):
    page = client.get("/")
    policy = csp(page)
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    # the page's one inline <style> carries this response's nonce, and the policy allows that nonce alone
    nonce = re.search(r'<style nonce="([^"]+)">', page.get_data(as_text=True)).group(1)
    assert policy["style-src"] == f"'self' 'nonce-{nonce}'"
    assert nonce != re.search(r'nonce="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_json_answers_and_errors_are_never_sniffed_nor_stored(client):
    for response in (client.get("/health"), client.get("/no-such-page"), client.post("/model/parse", data="x")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize("asset", ["/widget.js", "/widget.css"])
def test_the_widget_stays_embeddable_on_the_city_site(client, asset):
    response = client.get(asset, headers={"Origin": CITY_ORIGIN})
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["Access-Control-Allow-Origin"] == CITY_ORIGIN  # for <script crossorigin integrity=…>
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=300" in response.headers["Cache-Control"]  # cached as its route says, not no-store
    assert "Access-Control-Allow-Origin" not in client.get(asset, headers={"Origin": "https://evil.example"}).headers


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/health").headers
    secure = client.get("/health", base_url="https://bot.example.jp")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    # a client's own X-Forwarded-Proto is not believed without a trusted proxy
    assert "Strict-Transport-Security" not in client.get("/health", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.mark.parametrize("extra_env", [{"BOT_TRUSTED_PROXIES": "1", "BOT_HSTS_MAX_AGE": "600"}])
def test_hsts_behind_a_tls_terminating_proxy(client, extra_env):
    assert client.get("/health", headers={"X-Forwarded-Proto": "https"}).headers["Strict-Transport-Security"] == (
        "max-age=600"
    )


@pytest.mark.parametrize("extra_env", [{"BOT_HSTS_MAX_AGE": "0"}])
def test_hsts_can_be_switched_off(client, extra_env):
    assert "Strict-Transport-Security" not in client.get("/health", base_url="https://bot.example.jp").headers


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@contextmanager
def attacker_site(html: str):
    """Another origin on this machine (localhost, not 127.0.0.1) serving `html`; yields its address."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_of_another_site_cannot_frame_the_payment_page(chromium, live_server, payment_page):
    """Clickjacking: an attacker's page frames 支払う under a decoy; the browser refuses to show it."""
    page = chromium.new_page()
    page.goto(live_server + payment_page)
    assert page.get_by_role("button", name="支払う").count() == 1  # the page itself works
    decoy = f'<p>Win a prize!</p><iframe src="{live_server}{payment_page}" width="600" height="400"></iframe>'
    with attacker_site(decoy) as attacker:
        page.goto(attacker, wait_until="load")  # "load" waits for the frame too
        assert page.frame_locator("iframe").get_by_role("button", name="支払う").count() == 0
    page.close()


def test_the_demo_page_and_its_widget_run_under_the_policy(chromium, live_server, settings):
    page = chromium.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(live_server + "/")
    page.locator(".cw-launcher").click()
    page.locator(".cw-msg--bot").first.wait_for()
    header = page.locator("header").evaluate("(el) => getComputedStyle(el).backgroundColor")
    page.close()
    assert not violations, violations
    # the inline <style> applied: the header has the city's primary colour
    primary = load_city(settings.data_dir)["widget"]["primary_color"]
    assert header == "rgb({}, {}, {})".format(*(int(primary[i : i + 2], 16) for i in (1, 3, 5)))
