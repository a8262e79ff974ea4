"""Custom actions on a real `python -m rasa_sdk --actions actions` server give the same answers as in-process (on
the fixture city)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests

from bot.city import contact
from bot.dialogue.executor import RemoteExecutor
from bot.engine import Engine
from tests.conftest import PROJECT_DIR, free_port, response_text

pytestmark = pytest.mark.fixture_city


@pytest.fixture
def action_server(bot_env):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}  # bot_env put this test's settings there
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(url + "/health", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.3)
        if proc.poll() is not None:
            pytest.fail("action server exited: " + proc.stderr.read().decode()[-2000:])
    else:
        proc.kill()
        pytest.fail("action server did not start within 60 s")
    yield url + "/webhook"
    proc.terminate()
    proc.wait(timeout=10)


def conversation(engine, sender):
    return [
        engine.handle_message(sender, text)
        for text in ["こんにちは", "コンビニで住民票は取れますか", "ぱぴぷぺぽ", "やめる"]
    ]


def _without_turn_ids(turns):
    return [[{k: v for k, v in m.items() if k != "turn_id"} for m in t] for t in turns]


def test_remote_actions_match_in_process(bot_env, action_server, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{action_server}"\n', encoding="utf-8")
    remote = Engine(bot_env.with_(endpoints_file=endpoints, database_url=f"sqlite:///{tmp_path}/remote.sqlite3"))
    local = Engine(bot_env.with_(database_url=f"sqlite:///{tmp_path}/local.sqlite3"))
    try:
        assert isinstance(remote.executor, RemoteExecutor)
        assert "action_answer_faq" in remote.executor.names()
        assert _without_turn_ids(conversation(remote, "r")) == _without_turn_ids(conversation(local, "r"))
    finally:
        remote.close()
        local.close()


def test_unreachable_action_server_gets_a_polite_reply(bot_env, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{free_port()}/webhook"\n', encoding="utf-8")
    engine = Engine(bot_env.with_(endpoints_file=endpoints))
    try:
        replies = engine.handle_message("down", "住民票がほしい")
        assert replies[0]["text"] == response_text(engine, "utter_error")
        assert contact(engine.profile())["phone"] in replies[0]["text"]
        assert engine.store.turns("down")[-1]["unanswered"] is True
    finally:
        engine.close()
