"""The console on an internal address, through the real `bot run`: with BOT_CONSOLE_PORT a second listener answers
/admin and nothing else, and the citizens' listener answers 404 under /admin (real sockets, real waitress)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import PROJECT_DIR, free_port
from tests.support.console_support import add_user

pytestmark = pytest.mark.fixture_city
START_TIMEOUT = 90  # seconds: the process imports and loads the model


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(encoding="utf-8")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    pytest.fail(f"bot run did not answer at {url} within {START_TIMEOUT} s")


def test_bot_run_serves_the_console_on_its_own_listener_only(settings, test_env, tmp_path):
    add_user(settings.database_url, "admin", "admin")
    public, internal = free_port(), free_port()
    env = {**os.environ, **test_env, "BOT_CONSOLE_PORT": str(internal), "BOT_CONSOLE_HOST": "127.0.0.1"}
    log = tmp_path / "run.log"
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--port", str(public)], cwd=PROJECT_DIR, env=env, stderr=err
        )
    try:
        wait_for(f"http://127.0.0.1:{public}/health", process, log)
        wait_for(f"http://127.0.0.1:{internal}/admin/login", process, log)
        assert requests.get(f"http://127.0.0.1:{public}/health", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{public}/admin/login", timeout=5).status_code == 404
        assert requests.get(f"http://127.0.0.1:{public}/admin/", timeout=5).status_code == 404
        sign_in = requests.get(f"http://127.0.0.1:{internal}/admin/login", timeout=5)
        assert sign_in.status_code == 200 and "サインイン" in sign_in.text
        assert requests.get(f"http://127.0.0.1:{internal}/health", timeout=5).status_code == 404
        assert (
            requests.post(f"http://127.0.0.1:{internal}/webhooks/rest/webhook", json={}, timeout=5).status_code == 404
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
