"""The command line, run as a user would: validate, test, train --if-stale, shell."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PROJECT_DIR


def run(*args, input_text=None, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_DIR, input=input_text, text=True,
                          capture_output=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR), **(env or {})})


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
        '- intent: general_thanks\n  examples: |\n    - こんにちは\n- intent: no_such_intent\n  examples: |\n    - あ\n',
        encoding="utf-8")
    (data / "rules.yml").write_text(
        'version: "3.1"\nrules:\n- rule: r\n  steps:\n  - intent: general_greet\n  - action: utter_nonexistent\n',
        encoding="utf-8")
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
    result = run("shell", input_text="住民票がほしい\n", env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path}/shell.sqlite3"})
    assert result.returncode == 0
    assert "ボット> " in result.stdout and "住民票" in result.stdout
