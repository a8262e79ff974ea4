"""Push messages (reminders, expired reply tokens) through the real SDK client to the LINE stand-in, and the
durable queue of pushes LINE did not take, on real SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.errors import ConfigError
from bot.settings import Settings
from bot.store.migrate import upgrade
from connectors.line import push as line_push
from connectors.line.pending import FIRST_BACKOFF, GIVE_UP_AFTER, PendingPush, PendingPushes
from connectors.line.push import LineConfig, LinePushError, LinePushNotifier, retry_key
from tests.support import line_standin as line
from tests.support.line_standin import LineStandIn

PUSH = "/v2/bot/message/push"
both_databases = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def api():
    with LineStandIn() as stand_in:
        yield stand_in


@pytest.fixture(params=["sqlite"])
def db_url(request, tmp_path):
    """A migrated database: SQLite, and PostgreSQL too for the queue's tests (`both_databases`)."""
    url = f"sqlite:///{tmp_path / 'line.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    upgrade(url)
    return url


@pytest.fixture
def notifier(api, db_url, monkeypatch):
    monkeypatch.setattr(line_push, "RETRY_BACKOFF", 0.01)  # the quick attempts before queueing
    return make_notifier(api, db_url)


def make_notifier(api: LineStandIn, db_url: str) -> LinePushNotifier:
    return LinePushNotifier(LineConfig(access_token=line.ACCESS_TOKEN, api_base_url=api.url), PendingPushes(db_url))


def queued(db_url: str) -> list[PendingPush]:
    with PendingPushes(db_url).Session() as s:
        return list(s.scalars(select(PendingPush)))


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


@both_databases
def test_a_push_line_does_not_take_is_queued_and_retried_with_the_same_key(api, notifier, db_url):
    """LINE down for a while (503s): the reminder is kept in the database, not lost after three attempts."""
    uid, now = line.user_id(), datetime.now(UTC)
    api.failures[PUSH] = [503, 503, 503, 503]
    notifier.send(uid, "明日は粗大ごみの収集日です。", retry_key="reminder-SD-0002-2026-11-25")
    (row,) = queued(db_url)
    assert (row.recipient, row.retry_key) == (uid, retry_key("reminder-SD-0002-2026-11-25"))
    assert notifier.retry_pending(now) == 0  # not due yet: nothing is sent
    assert len(api.recorded(PUSH, status=None)) == 3
    assert notifier.retry_pending(now + FIRST_BACKOFF + timedelta(seconds=1)) == 0  # the fourth 503
    assert notifier.retry_pending(now + timedelta(hours=1)) == 1
    (push,) = api.pushes
    assert push.texts == ["明日は粗大ごみの収集日です。"] and push.body["to"] == uid
    assert {c.headers["x-line-retry-key"] for c in api.recorded(PUSH, status=None)} == {row.retry_key}
    assert queued(db_url) == []


@both_databases
def test_a_queued_push_that_had_got_through_is_not_delivered_twice(api, notifier, db_url):
    """The first attempts timed out on our side but one reached LINE (here: another host's attempt with the same
    key): the retry gets 409, which counts as delivered."""
    uid = line.user_id()
    api.failures[PUSH] = [500, 500, 500]
    notifier.send(uid, "お支払いを確認しました。", retry_key="paid:SD-0003")
    make_notifier(api, db_url).send(uid, "お支払いを確認しました。", retry_key="paid:SD-0003")
    assert notifier.retry_pending(datetime.now(UTC) + timedelta(hours=1)) == 1
    assert len(api.pushes) == 1 and [c.status for c in api.recorded(PUSH, status=None)][-1] == 409
    assert queued(db_url) == []


@both_databases
def test_a_push_line_never_takes_is_given_up_after_24_hours_with_a_log_line(api, notifier, db_url, caplog):
    api.failures[PUSH] = [503] * 3
    notifier.send(line.user_id(), "お知らせです。", retry_key="gone")
    with caplog.at_level(logging.ERROR, logger="connectors.line.pending"):
        assert notifier.retry_pending(datetime.now(UTC) + GIVE_UP_AFTER + timedelta(minutes=1)) == 0
    assert queued(db_url) == [] and api.pushes == []
    assert "given up" in caplog.text and retry_key("gone") in caplog.text


@both_databases
def test_a_queued_push_line_refuses_is_dropped_with_lines_details(api, notifier, db_url, caplog):
    api.failures[PUSH] = [503, 503, 503, 400]
    notifier.send(line.user_id(), "お知らせです。", retry_key="refused")
    with caplog.at_level(logging.ERROR, logger="connectors.line.push"):
        assert notifier.retry_pending(datetime.now(UTC) + timedelta(hours=1)) == 0
    assert queued(db_url) == []
    assert "400 The request body has 1 error(s)" in caplog.text and "お知らせです。" not in caplog.text


@both_databases
def test_workers_retrying_at_once_send_each_queued_push_once(api, notifier, db_url):
    """The LINE worker of every web process and `bot remind` retry side by side: each push is tried by one."""
    api.failures[PUSH] = [503] * 15
    recipients = [line.user_id() for _ in range(5)]
    for i, uid in enumerate(recipients):
        notifier.send(uid, f"お知らせ{i}です。", retry_key=f"notice-{i}")
    assert len(queued(db_url)) == 5
    workers = [make_notifier(api, db_url) for _ in range(4)]
    later = datetime.now(UTC) + timedelta(hours=1)
    start = threading.Barrier(len(workers))
    sent: list[int] = []

    def retry(worker: LinePushNotifier) -> None:
        start.wait()
        sent.append(worker.retry_pending(later))

    threads = [threading.Thread(target=retry, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == 5 and sorted(c.body["to"] for c in api.pushes) == sorted(recipients)
    assert len(api.recorded(PUSH, status=None)) == 15 + 5  # no push was tried twice
    assert queued(db_url) == []


def test_a_notice_is_never_pushed_to_a_group_or_room(api, notifier, caplog):
    """A reminder names the citizen's address and booking: a group's or room's members must not read it."""
    with caplog.at_level(logging.WARNING, logger="connectors.line.push"):
        notifier.send("C" + "1" * 32, "明日は粗大ごみの収集日です。", retry_key="group")
        notifier.send("R" + "2" * 32, "明日は粗大ごみの収集日です。", retry_key="room")
    assert api.calls == []
    assert caplog.text.count("never to a LINE group or room") == 2


def test_the_line_worker_retries_the_queued_pushes(api, db_url, monkeypatch):
    from connectors.line import webhook

    monkeypatch.setattr(webhook, "RETRY_EVERY", 0.05)
    uid = line.user_id()
    messages = [{"type": "text", "text": "明日は粗大ごみの収集日です。"}]
    PendingPushes(db_url).add(retry_key("reminder:SD-0005"), uid, messages, datetime.now(UTC) - timedelta(minutes=5))
    config = LineConfig(channel_secret=line.CHANNEL_SECRET, access_token=line.ACCESS_TOKEN, api_base_url=api.url)
    channel = webhook.LineChannel(config, None, Settings.from_env({"BOT_DATABASE_URL": db_url}))
    try:
        (push,) = api.wait_for(lambda a: a.pushes, timeout=10)
    finally:
        channel.close()
    assert push.body["to"] == uid and push.headers["x-line-retry-key"] == retry_key("reminder:SD-0005")
    assert queued(db_url) == []


@both_databases
def test_bot_remind_retries_the_queued_pushes(api, db_url):
    from services.booking import reminders

    settings = Settings.from_env(
        {
            "BOT_DATABASE_URL": db_url,
            "LINE_CHANNEL_SECRET": line.CHANNEL_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": line.ACCESS_TOKEN,
            "LINE_API_BASE_URL": api.url,
        }
    )
    uid = line.user_id()
    messages = [{"type": "text", "text": "お支払いを確認しました。"}]
    PendingPushes(db_url).add(retry_key("paid:SD-0004"), uid, messages, datetime.now(UTC) - timedelta(minutes=5))
    assert reminders.run(settings, datetime.now(UTC)).sent == 0  # no reminder is due; the queued push is
    (push,) = api.pushes
    assert push.body["to"] == uid and push.headers["x-line-retry-key"] == retry_key("paid:SD-0004")
    assert queued(db_url) == []
