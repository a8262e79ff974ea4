"""Push messages (reminders, expired reply tokens) through the real SDK client to the LINE stand-in."""

from __future__ import annotations

import uuid

import pytest

from bot.errors import ConfigError
from bot.settings import Settings
from connectors.line.push import LineConfig, LinePushError, LinePushNotifier, retry_key
from tests.support import line_standin as line
from tests.support.line_standin import LineStandIn

PUSH = "/v2/bot/message/push"


@pytest.fixture
def api():
    with LineStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def notifier(api):
    return LinePushNotifier(LineConfig(access_token=line.ACCESS_TOKEN, api_base_url=api.url))


def test_a_reminder_is_pushed_with_a_uuid_retry_key(api, notifier):
    uid = line.user_id()
    notifier.send(uid, "明日は粗大ごみの収集日です。", retry_key="reminder-SD-0001-2026-11-24")
    (push,) = api.pushes
    assert push.body["to"] == uid and push.texts == ["明日は粗大ごみの収集日です。"]
    assert uuid.UUID(push.headers["x-line-retry-key"])
    assert push.headers["x-line-retry-key"] == retry_key("reminder-SD-0001-2026-11-24")
    assert push.headers["authorization"] == f"Bearer {line.ACCESS_TOKEN}"


def test_the_same_retry_key_never_delivers_twice(api, notifier):
    uid = line.user_id()
    notifier.send(uid, "お知らせです。", retry_key="same-key")
    notifier.send(uid, "お知らせです。", retry_key="same-key")  # LINE answers 409: already accepted
    assert len(api.pushes) == 1
    assert [c.status for c in api.recorded(PUSH, status=None)] == [200, 409]


def test_server_errors_are_retried_with_the_same_key(api, notifier):
    api.failures[PUSH] = [500, 503]
    notifier.send(line.user_id(), "お知らせです。", retry_key="flaky")
    calls = api.recorded(PUSH, status=None)
    assert [c.status for c in calls] == [500, 503, 200]
    assert len({c.headers["x-line-retry-key"] for c in calls}) == 1


def test_a_refused_push_raises_a_clear_error(api, notifier):
    api.failures[PUSH] = [400]
    with pytest.raises(LinePushError, match="retrying will not help"):
        notifier.send(line.user_id(), "お知らせです。", retry_key="bad")
    assert len(api.recorded(PUSH, status=None)) == 1


def test_a_long_reminder_is_split_to_line_limits(api, notifier):
    text = "収集日のお知らせです。" * 1000  # 11,000 characters
    notifier.send(line.user_id(), text, retry_key="long")
    (push,) = api.pushes
    assert "".join(push.texts) == text and all(len(t) <= 5000 for t in push.texts)


def test_without_an_access_token_the_notifier_says_what_to_set():
    with pytest.raises(ConfigError, match="LINE_CHANNEL_ACCESS_TOKEN"):
        LinePushNotifier.from_settings(Settings.from_env({}))


def test_config_comes_from_the_sdk_example_variable_names():
    config = LineConfig.from_settings(
        Settings.from_env(
            {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_API_BASE_URL": "http://127.0.0.1:9/"}
        )
    )
    assert (config.channel_secret, config.access_token, config.api_base_url) == ("s", "t", "http://127.0.0.1:9")
    unset = LineConfig.from_settings(Settings.from_env({}))
    assert unset.api_base_url == "https://api.line.me"
    assert unset.missing("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN") == [
        "LINE_CHANNEL_SECRET",
        "LINE_CHANNEL_ACCESS_TOKEN",
    ]
