"""The analysts' report on real turns: answer rate by channel and domain, feedback, the unanswered queue (on the
fixture city)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.analytics import report
from tests.conftest import PROJECT_DIR

pytestmark = pytest.mark.fixture_city


def test_report_counts_what_the_bot_could_and_could_not_answer(engine, say):
    first = say("住民票がほしい", sender="a1")
    say("児童手当はいつ振り込まれますか", sender="a2")
    for sender in ("a3", "a4"):
        say("好きな色は？", sender=sender)
    engine.handle_message("l1", "国保に入りたい", channel="line")
    engine.record_feedback("a1", first[0]["turn_id"], "helpful")
    r = report(engine.settings.database_url)
    assert r["turns"] == 5 and r["unanswered"] == 2 and r["answer_rate"] == 0.6
    assert r["by_channel"]["line"] == {"turns": 1, "answer_rate": 1.0}
    assert r["by_domain"]["certificates"]["turns"] == 1 and r["by_domain"]["general"]["answer_rate"] == 0.0
    assert r["feedback"] == {"helpful": 1}
    assert r["top_unanswered"] == [{"text": "好きな色は？", "count": 2}]


def test_report_command(bot_env, engine, say):
    say("住民票がほしい", sender="c1")
    out = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--json", "--days", "7"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(PROJECT_DIR),
            "BOT_DATABASE_URL": bot_env.database_url,
            "BOT_FIXED_NOW": bot_env.fixed_now.isoformat(),
        },
    ).stdout
    assert json.loads(out)["turns"] == 1
