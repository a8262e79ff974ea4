"""Fixtures of the LINE tests: the bot's webhook on a live server, configured to answer through the stand-in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from connectors.line.webhook import LineChannel
from tests.support import line_standin as line
from tests.support.line_standin import CHANNEL_SECRET, LineStandIn, deliver


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
def line_env():
    """The stand-in for LINE's Messaging API."""
    with LineStandIn() as api:
        yield api


@pytest.fixture
def test_env(test_env, demo_settings, line_env):
    """One database per test module, holding the demo city's garbage data (tests/support/garbage_support.py), and the
    LINE channel configured to answer through the stand-in."""
    return {
        **test_env,
        "BOT_DATABASE_URL": demo_settings.database_url,
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": line.ACCESS_TOKEN,
        "LINE_API_BASE_URL": line_env.url,
    }


@pytest.fixture
def bot(line_env, live_server, app, engine):
    channel = app.extensions["line"]
    yield Line(live_server + "/webhooks/line/webhook", line_env, channel, engine)
    channel.close()
    assert not line_env.refused(), [c.problems for c in line_env.refused()]


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or m.get("altText") or "" for m in messages)
