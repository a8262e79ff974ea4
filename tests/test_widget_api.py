"""The widget's server side over real HTTP: assets, demo page, feedback endpoint, CORS, and config checks."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from bot.errors import ConfigError
from connectors.widget import allowed_origins, contrast_ratio, widget_config

CITY_ORIGIN = "https://www.city.sakura.example.jp"  # widget.allowed_origins in data/city.yml
OTHER_ORIGIN = "https://evil.example.com"


def ask(base: str, sender: str, text: str) -> list[dict]:
    response = requests.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
    response.raise_for_status()
    return response.json()


def test_demo_page_embeds_the_widget_with_one_script_tag(live_server):
    page = requests.get(live_server + "/", timeout=10)
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text
    assert page.text.count("/widget.js") >= 1 and 'data-primary-color="#1d5a8c"' in page.text
    script = requests.get(live_server + "/widget.js", timeout=10)
    style = requests.get(live_server + "/widget.css", timeout=10)
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert style.headers["Content-Type"].startswith("text/css")
    assert not re.search(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write", script.text)


def test_feedback_is_stored_with_the_turn(live_server):
    sender = f"widget-test-{uuid.uuid4().hex}"
    turn_id = ask(live_server, sender, "ペットボトルは何ごみ？")[-1]["turn_id"]
    url = live_server + "/widget/feedback"

    ok = requests.post(url, json={"sender": sender, "turn_id": turn_id, "value": "helpful"}, timeout=10)
    assert ok.status_code == 200, ok.text
    changed = requests.post(url, json={"sender": sender, "turn_id": turn_id, "value": "not_helpful"}, timeout=10)
    assert changed.status_code == 200
    stranger = requests.post(url, json={"sender": "someone-else", "turn_id": turn_id, "value": "helpful"}, timeout=10)
    assert stranger.status_code == 404
    assert stranger.json()["error"] == "No such turn for this sender."


@pytest.mark.parametrize("body", [
    ["not", "an", "object"],
    {"turn_id": 1, "value": "helpful"},
    {"sender": "", "turn_id": 1, "value": "helpful"},
    {"sender": "x" * 129, "turn_id": 1, "value": "helpful"},
    {"sender": "s", "turn_id": "1", "value": "helpful"},
    {"sender": "s", "turn_id": True, "value": "helpful"},
    {"sender": "s", "turn_id": 0, "value": "helpful"},
    {"sender": "s", "turn_id": 1, "value": "great"},
])
def test_bad_feedback_gets_a_clear_400(live_server, body):
    response = requests.post(live_server + "/widget/feedback", json=body, timeout=10)
    assert response.status_code == 400
    assert response.json()["status"] == 400 and response.json()["error"]


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/widget/feedback"])
def test_cors_answers_only_the_city_origins(live_server, path):
    def preflight(origin):
        return requests.options(live_server + path, timeout=10, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})

    allowed = preflight(CITY_ORIGIN)
    assert allowed.headers.get("Access-Control-Allow-Origin") == CITY_ORIGIN
    assert "Access-Control-Allow-Origin" not in preflight(OTHER_ORIGIN).headers
    post = requests.post(live_server + path, json={}, headers={"Origin": OTHER_ORIGIN}, timeout=10)
    assert "Access-Control-Allow-Origin" not in post.headers


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_widget_colours_are_checked_at_start_up():
    assert widget_config({})["primary_color"] == "#1d5a8c"
    assert widget_config({"widget": {"accent_color": "#0b5394"}})["accent_color"] == "#0b5394"
    with pytest.raises(ConfigError, match=r"widget.primary_color #cccccc has a contrast of 1.6"):
        widget_config({"widget": {"primary_color": "#cccccc"}})
    with pytest.raises(ConfigError, match="must be a colour"):
        widget_config({"widget": {"accent_color": "red"}})


def test_allowed_origins_come_from_the_environment_and_the_city_profile():
    profile = {"widget": {"allowed_origins": ["https://www.city.sakura.example.jp/", "http://localhost:8080"]}}
    assert allowed_origins(" https://a.example.jp, ,https://www.city.sakura.example.jp", profile) == [
        "https://a.example.jp", "https://www.city.sakura.example.jp", "http://localhost:8080"]
    assert allowed_origins("", {}) == []
    for bad in ("*", "https://city.example.jp/path", "city.example.jp"):
        with pytest.raises(ConfigError, match="not an origin"):
            allowed_origins(bad, {})
