"""Issue 11, finding 12: /health is liveness, /ready says whether chats can be answered (model and database), and
a bot started while its database is unreachable retries for a while, then stops with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, PROJECT_DIR, free_port


def test_ready_answers_503_with_the_reason_once_the_database_is_gone(bot_env, pg_url):
    from bot.engine import Engine
    from connectors import create_app

    engine = Engine(bot_env.with_(database_url=pg_url))
    try:
        client = create_app(engine.settings, engine=engine).test_client()
        assert client.get("/ready").get_json() == {"status": "ready"}

        admin = create_engine(
            PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{pg_url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()

        started = time.monotonic()
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.get_json() == {"error": "not ready: the database does not answer", "status": 503}
        assert time.monotonic() - started < 10
        assert client.get("/health").status_code == 200, "liveness: the process itself is fine"
    finally:
        engine.close()


def test_start_up_without_a_database_retries_then_says_so_in_one_line(trained_settings, tmp_path):
    closed = free_port()  # nothing listens here
    env = {
        **os.environ,
        "BOT_DATABASE_URL": f"postgresql://citybot:secret-password@127.0.0.1:{closed}/bot",
        "BOT_DB_STARTUP_TIMEOUT": "3",
        "BOT_PROJECT_DIR": str(PROJECT_DIR),
    }
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert time.monotonic() - started < 60
    lines = run.stderr.strip().splitlines()
    retries = [line for line in lines if "does not answer" in line and "retrying in" in line]
    assert len(retries) >= 2, run.stderr
    assert lines[-1].startswith(
        f"error: the database at postgresql://citybot:***@127.0.0.1:{closed}/bot does not answer"
    )
    assert "BOT_DATABASE_URL" in lines[-1] and "BOT_DB_STARTUP_TIMEOUT" in lines[-1]
    assert "Traceback" not in run.stderr and "secret-password" not in run.stderr
