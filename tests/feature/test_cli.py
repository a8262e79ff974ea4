"""The command line, run as a user would: help, validate, test, train --if-stale, shell, run on a busy port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import shell_choice
from tests.conftest import PROJECT_DIR


def run(*args, input_text=None, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_DIR,
        input=input_text,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR), **(env or {})},
    )


def test_data_validate_accepts_the_demo_city(trained_settings):
    result = run("data", "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_data_validate_reports_file_and_line(trained_settings, tmp_path):
    data = tmp_path / "data"
    (data / "nlu").mkdir(parents=True)
    (data / "city.yml").write_text((PROJECT_DIR / "data" / "city.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (data / "nlu" / "x.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: general_greet\n  examples: |\n    - こんにちは\n'
        "- intent: general_thanks\n  examples: |\n    - こんにちは\n- intent: no_such_intent\n  examples: |\n    - あ\n",
        encoding="utf-8",
    )
    (data / "rules.yml").write_text(
        'version: "3.1"\nrules:\n- rule: r\n  steps:\n  - intent: general_greet\n  - action: utter_nonexistent\n',
        encoding="utf-8",
    )
    result = run("data", "validate", env={"BOT_DATA_DIR": str(data)})
    assert result.returncode == 1
    err = result.stderr
    assert f"{data / 'nlu' / 'x.yml'}:5" in err and "several intents" in err
    assert "no_such_intent" in err and "utter_nonexistent" in err and f"{data / 'rules.yml'}:6" in err


def test_bot_test_reports_accuracy_and_runs_stories(trained_settings, tmp_path):
    result = run("test", "--out", str(tmp_path / "results"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accuracy (after fallback)" in result.stdout and "worst confusions" in result.stdout
    assert "0 failed" in result.stdout


def test_train_if_stale_does_nothing_when_current(trained_settings):
    result = run("train", "--if-stale")
    assert result.returncode == 0 and "up to date" in result.stderr


def test_shell_chats_in_the_terminal(trained_settings, tmp_path):
    result = run(
        "shell", input_text="住民票がほしい\n", env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path}/shell.sqlite3"}
    )
    assert result.returncode == 0
    assert "ボット> " in result.stdout and "住民票" in result.stdout


def test_help_is_quiet_and_named_as_invoked():
    result = run("--help", timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m bot ")
    assert "alembic" not in result.stdout + result.stderr and result.stderr == ""


def test_installed_command_names_itself():
    citybot = Path(sys.executable).with_name("citybot")
    if not citybot.exists():
        pytest.skip("the citybot entry point is not installed")
    result = subprocess.run(
        [str(citybot), "--help"],
        cwd=PROJECT_DIR,
        text=True,
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )
    assert result.returncode == 0 and result.stdout.startswith("usage: citybot ")


def test_migrations_say_one_line_per_revision_then_nothing(tmp_path):
    env = {"BOT_DATABASE_URL": f"sqlite:///{tmp_path}/m.sqlite3"}
    first, again = run("db", "upgrade", env=env, timeout=60), run("db", "upgrade", env=env, timeout=60)
    assert first.returncode == again.returncode == 0
    assert "alembic" not in first.stderr + again.stderr
    assert "database migrated to 0001_core" in first.stderr and "migrated" not in again.stderr


def test_a_busy_port_is_one_clear_line(trained_settings, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            "run", "--port", str(port), env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path}/run.sqlite3"}, timeout=120
        )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    expected = (
        f"error: port {port} is in use on 127.0.0.1; choose another: `make run PORT={port + 1}` or `--port {port + 1}`"
    )
    assert errors == [expected]


def test_a_number_typed_at_the_shell_picks_that_button():
    buttons = [{"title": "郵送", "payload": "/a"}, {"title": "コンビニ", "payload": "/b"}]
    assert shell_choice("2", buttons) == "/b"
    assert shell_choice(" １ ", buttons) == "/a"  # a full-width digit from a Japanese input method
    assert shell_choice("3", buttons) == "3" and shell_choice("0", buttons) == "0"
    assert shell_choice("1", []) == "1" and shell_choice("住民票", buttons) == "住民票"


def test_shell_number_sends_the_buttons_payload(trained_settings, tmp_path):
    result = run(
        "shell", input_text="住民票がほしい\n1\n", env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path}/shell.sqlite3"}
    )
    assert result.returncode == 0
    first, second = result.stdout.split("あなた> ")[1:3]
    assert "[1] 住民票を郵送で請求する" in first
    assert "郵送でも請求できます" in second
