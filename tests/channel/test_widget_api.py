"""The widget's server side on the real app: assets, demo page, feedback endpoint, CORS, and config checks (on the
fixture city)."""

from __future__ import annotations

import re

import pytest

from bot.city import load_city
from bot.errors import ConfigError
from connectors.widget import allowed_origins, contrast_ratio, widget_config
from tests.conftest import FIXTURE_CITY

pytestmark = pytest.mark.fixture_city
WIDGET = load_city(FIXTURE_CITY)["widget"]
CITY_ORIGIN = WIDGET["allowed_origins"][0]
OTHER_ORIGIN = "https://evil.example.com"


def test_demo_page_embeds_the_widget_with_one_script_tag(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "/widget.js" in html and f'data-primary-color="{WIDGET["primary_color"]}"' in html
    script = client.get("/widget.js")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert client.get("/widget.css").headers["Content-Type"].startswith("text/css")
    assert not re.search(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write", script.get_data(as_text=True))


def visitor(client) -> str:
    """A new visitor's signed sender id, as the widget gets it."""
    return client.post("/widget/session", json={}).get_json()["sender"]


def test_feedback_is_stored_with_the_turn(client, engine):
    citizen = visitor(client)
    asked = client.post("/widget/webhook", json={"sender": citizen, "message": "ペットボトルは何ごみ？"})
    turn_id = asked.get_json()[-1]["turn_id"]

    ok = client.post("/widget/feedback", json={"sender": citizen, "turn_id": turn_id, "value": "helpful"})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    changed = client.post("/widget/feedback", json={"sender": citizen, "turn_id": turn_id, "value": "not_helpful"})
    assert changed.status_code == 200
    assert engine.store.turns(citizen.split(".")[0], "widget")[-1]["feedback"] == "not_helpful"
    stranger = client.post("/widget/feedback", json={"sender": visitor(client), "turn_id": turn_id, "value": "helpful"})
    assert stranger.status_code == 404
    assert stranger.get_json()["error"] == "No such turn for this sender."


@pytest.mark.parametrize(
    "body",
    [
        ["not", "an", "object"],
        {"turn_id": 1, "value": "helpful"},
        {"sender": "", "turn_id": 1, "value": "helpful"},
        {"sender": "x" * 129, "turn_id": 1, "value": "helpful"},
        {"sender": "signed", "turn_id": "1", "value": "helpful"},
        {"sender": "signed", "turn_id": True, "value": "helpful"},
        {"sender": "signed", "turn_id": 0, "value": "helpful"},
        {"sender": "signed", "turn_id": 1, "value": "great"},
    ],
)
def test_bad_feedback_gets_a_clear_400(client, body):
    if isinstance(body, dict) and body.get("sender") == "signed":
        body = {**body, "sender": visitor(client)}
    response = client.post("/widget/feedback", json=body)
    assert response.status_code == 400
    assert response.get_json()["status"] == 400 and response.get_json()["error"]


@pytest.mark.parametrize("path", ["/widget/session", "/widget/webhook", "/widget/feedback"])
def test_cors_answers_only_the_city_origins(client, path):
    def preflight(origin):
        return client.options(
            path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )

    assert preflight(CITY_ORIGIN).headers.get("Access-Control-Allow-Origin") == CITY_ORIGIN
    assert "Access-Control-Allow-Origin" not in preflight(OTHER_ORIGIN).headers
    assert "Access-Control-Allow-Origin" not in client.post(path, json={}, headers={"Origin": OTHER_ORIGIN}).headers
    assert (
        client.post(path, json={}, headers={"Origin": CITY_ORIGIN}).headers["Access-Control-Allow-Origin"]
        == CITY_ORIGIN
    )


def test_cors_origins_from_the_environment(engine, bot_env):
    from bot.settings import Settings
    from connectors import create_app

    env = {"BOT_CORS_ORIGINS": f"https://kosodate.example.jp, {CITY_ORIGIN}"}
    settings = bot_env.with_(cors_origins=Settings.from_env(env=env).cors_origins)
    client = create_app(settings, engine=engine).test_client()
    response = client.post("/widget/feedback", json={}, headers={"Origin": "https://kosodate.example.jp"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://kosodate.example.jp"
    assert "Origin" in response.headers["Vary"]


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
        "https://a.example.jp",
        "https://www.city.sakura.example.jp",
        "http://localhost:8080",
    ]
    assert allowed_origins("", {}) == []
    for bad in ("*", "https://city.example.jp/path", "city.example.jp"):
        with pytest.raises(ConfigError, match="not an origin"):
            allowed_origins(bad, {})


def test_outbox_hands_each_reminder_to_the_web_user_once(client, engine):
    from bot import outbox

    signed = visitor(client)
    web_1 = signed.split(".")[0]
    reminder = "明日は粗大ごみの収集日です。"
    assert outbox.add(engine.settings.database_url, web_1, reminder, "remind-1", channel="widget")
    assert not outbox.add(engine.settings.database_url, web_1, reminder, "remind-1", channel="widget")
    first = client.post("/widget/outbox", json={"sender": signed}).get_json()
    assert first == [{"recipient_id": web_1, "text": reminder}]
    assert client.post("/widget/outbox", json={"sender": signed}).get_json() == []
    assert client.post("/widget/outbox", json={}).status_code == 400
