"""Rate limits on the real app (finding 6): one sender flooding the chat, one address flooding every route, in memory
and in the machine's Redis (shared by two app instances, as by two workers); LINE and payment callbacks exempt."""

from __future__ import annotations

import socket
import uuid

import pytest
from playwright.sync_api import sync_playwright

from bot.errors import ConfigError
from bot.settings import Settings
from connectors import create_app
from connectors.limits import EXEMPT_BLUEPRINTS
from tests.support.widget_browser import launch_chromium

REDIS = ("127.0.0.1", 6379)
PER_SENDER = 5
PER_IP = 8


@pytest.fixture
def extra_env():
    return {"BOT_RATE_LIMIT_PER_SENDER": f"{PER_SENDER}/minute", "BOT_RATE_LIMIT_PER_IP": f"{PER_IP}/minute"}


@pytest.fixture
def redis_url():
    with socket.socket() as s:
        s.settimeout(1)
        if s.connect_ex(REDIS):
            pytest.fail(f"Redis is not reachable at {REDIS[0]}:{REDIS[1]}; run `make redis`.")
    return f"redis://{REDIS[0]}:{REDIS[1]}/0"


def chat(client, sender: str, ip: str = "192.0.2.1"):
    return client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": "こんにちは"}, environ_base={"REMOTE_ADDR": ip}
    )


def flood(client, sender: str, times: int) -> list[int]:
    """`times` chat messages from one sender, each from its own address (only the per-sender limit applies)."""
    return [chat(client, sender, ip=f"198.51.100.{i + 1}").status_code for i in range(times)]


def assert_refused(response) -> None:
    assert response.status_code == 429
    assert response.get_json()["status"] == 429 and response.get_json()["error"]
    assert int(response.headers["Retry-After"]) >= 1


def test_one_sender_flooding_the_chat_is_refused_after_its_limit(client):
    assert flood(client, "flooder", PER_SENDER) == [200] * PER_SENDER
    assert_refused(chat(client, "flooder", ip="198.51.100.99"))
    assert chat(client, "someone-else").status_code == 200


def test_one_address_flooding_any_route_is_refused_after_its_limit(client):
    codes = [client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code for path in ["/health"] * PER_IP]
    assert codes == [200] * PER_IP
    # one budget per address across routes: a chat message or a new sender id does not get through either
    assert_refused(chat(client, f"fresh-{uuid.uuid4().hex}", ip="192.0.2.7"))
    assert_refused(client.get("/version", environ_base={"REMOTE_ADDR": "192.0.2.7"}))
    assert client.get("/health", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 200


def test_a_forged_x_forwarded_for_does_not_dodge_the_limit(client):
    for i in range(PER_IP):
        client.get("/health", headers={"X-Forwarded-For": f"203.0.113.{i}"}, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert_refused(
        client.get("/health", headers={"X-Forwarded-For": "203.0.113.200"}, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    )


@pytest.mark.parametrize("extra_env", [{"BOT_TRUSTED_PROXIES": "1", "BOT_RATE_LIMIT_PER_IP": "2/minute"}])
def test_behind_a_trusted_proxy_each_client_has_its_own_budget(client, extra_env):
    def via_proxy(client_ip):
        return client.get("/health", headers={"X-Forwarded-For": client_ip}, environ_base={"REMOTE_ADDR": "10.0.0.2"})

    assert [via_proxy("203.0.113.1").status_code for _ in range(2)] == [200, 200]
    assert_refused(via_proxy("203.0.113.1"))
    assert via_proxy("203.0.113.2").status_code == 200


def test_line_webhook_and_payment_callbacks_are_exempt(client, app):
    assert set(EXEMPT_BLUEPRINTS) <= set(app.blueprints), "an exempt blueprint was renamed: update connectors/limits.py"
    for _ in range(PER_IP + 2):
        line = client.post("/webhooks/line/webhook", data=b"{}", content_type="application/json")
        callback = client.post("/payments/sandbox/callback", data=b"{}", content_type="application/json")
        assert line.status_code != 429 and callback.status_code != 429


def test_limits_hold_across_workers_in_redis(engine, bot_env, redis_url):
    """Two app instances (two workers, or two hosts) on one Redis share each sender's budget."""
    settings = bot_env.with_(
        rate_limit_storage_url=redis_url, rate_limit_per_sender=f"{PER_SENDER}/minute", rate_limit_per_ip="1000/minute"
    )
    first, second = (create_app(settings, engine=engine).test_client() for _ in range(2))
    sender = f"redis-{uuid.uuid4().hex}"  # a fresh key: the test needs no cleanup of the shared Redis
    assert flood(first, sender, PER_SENDER - 1) == [200] * (PER_SENDER - 1)
    assert flood(second, sender, 1) == [200]
    assert_refused(chat(first, sender, ip="198.51.100.200"))
    assert_refused(chat(second, sender, ip="198.51.100.201"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_RATE_LIMIT_PER_SENDER", "many"),
        ("BOT_RATE_LIMIT_PER_IP", "0/minute"),
        ("BOT_RATE_LIMIT_STORAGE_URL", "mysql://db/limits"),
        ("BOT_TRUSTED_PROXIES", "-1"),
    ],
)
def test_a_wrong_limit_setting_stops_the_start_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env={name: value})


@pytest.mark.parametrize("extra_env", [{"BOT_RATE_LIMIT_PER_SENDER": "2/minute"}])
def test_the_widget_tells_a_refused_citizen_politely_to_wait(live_server, extra_env):
    """In Chromium: the greeting and one question use up the sender's budget; the next question gets 429 and the
    widget says, in Japanese, to wait and send again (with the resend button), not that the connection failed."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(live_server + "/")
        page.locator(".cw-launcher").click()
        page.locator(".cw-msg--bot").first.wait_for()
        for question in ("ペットボトルは何ごみ？", "住民票がほしい"):
            page.locator(".cw-input").fill(question)
            page.locator(".cw-input").press("Enter")
        notice = page.locator(".cw-msg--notice")
        notice.wait_for(timeout=15_000)
        text = notice.inner_text()
        browser.close()
    assert "ただいま混み合っています" in text and "もう一度送信する" in text
    assert "インターネット接続" not in text
