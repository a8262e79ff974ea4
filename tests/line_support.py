"""Fixtures of the LINE tests: the bot's webhook on a live server, configured to answer through the stand-in."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from connectors.line.webhook import LineChannel
from tests import line_standin as line
from tests.line_standin import CHANNEL_SECRET, LineStandIn, deliver


@dataclass
class Line:
    """The bot's LINE webhook and the stand-in it answers through."""

    url: str
    api: LineStandIn
    channel: LineChannel
    engine: object

    def send(self, *events: dict) -> requests.Response:
        response = deliver(self.url, *events)
        assert response.status_code == 200, response.text
        return response

    def settle(self) -> None:
        assert self.channel.join(timeout=60), "the LINE workers did not finish"

    def answer(self, event: dict) -> list[dict]:
        """Deliver one event and return the messages of the reply to it."""
        self.send(event)
        self.settle()
        replies = [c for c in self.api.replies if c.body["replyToken"] == event["replyToken"]]
        assert len(replies) == 1, f"expected one reply, got {len(replies)}"
        return replies[0].messages


@pytest.fixture
def settings(trained_settings, demo_settings):
    """One database per test module, holding the demo city's garbage data (tests/garbage_support.py)."""
    return trained_settings.with_(database_url=demo_settings.database_url, fixed_now=demo_settings.fixed_now)


@pytest.fixture
def line_env(monkeypatch):
    with LineStandIn() as api:
        monkeypatch.setenv("LINE_CHANNEL_SECRET", CHANNEL_SECRET)
        monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", line.ACCESS_TOKEN)
        monkeypatch.setenv("LINE_API_BASE_URL", api.url)
        yield api


@pytest.fixture
def bot(line_env, live_server, app, engine):
    """Requested after line_env, so the app is built with LINE configured."""
    channel = app.extensions["line"]
    yield Line(live_server + "/webhooks/line/webhook", line_env, channel, engine)
    channel.close()
    assert not line_env.refused(), [c.problems for c in line_env.refused()]


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or m.get("altText") or "" for m in messages)
