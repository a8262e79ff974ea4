"""Fuzz every HTTP route at length (issue 11): BENCH_FUZZ_REQUESTS (default 10,000) random requests per database,
SQLite and PostgreSQL, each loaded with the demo city's data; prints the answers by status class. The goal is 0 5xx.

The requests are tests/support/fuzz.py's, the same as the bounded run in `make test` (tests/channel/test_fuzz.py), from
a fixed seed. PostgreSQL: a database made for the run on BOT_TEST_PG_URL's server, dropped afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, seed
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli import cmd_setup  # noqa: E402
from bot.settings import Settings  # noqa: E402
from connectors import create_app  # noqa: E402
from tests.support.fuzz import FUZZ_ENV, harvest, requests_for, routes, send, server_error  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_FUZZ_REQUESTS", "10000"))
PG_ADMIN_URL = os.environ.get("BOT_TEST_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432/test")
SEED = 20261128


def fuzz(database_url: str) -> dict:
    env = {**FUZZ_ENV, "BOT_DATABASE_URL": database_url, "BOT_FIXED_NOW": "2026-11-20T10:00:00+09:00"}
    os.environ.update(env)  # actions read their settings from the environment
    settings = Settings.from_env(env=env)
    cmd_setup(None, settings)
    app = create_app(settings, watch_model=False)
    client = app.test_client()
    all_routes, seeds = routes(app), harvest(client)
    statuses: Counter[int] = Counter()
    failures: list[str] = []

    @seed(SEED)
    @hypothesis_settings(max_examples=REQUESTS, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(requests_for(all_routes, seeds))
    def one(request):
        response = send(client, request)
        statuses[response.status_code] += 1
        problem = server_error(response)
        if problem:
            failures.append(f"{request.describe()} {problem}")

    started = time.perf_counter()
    one()
    elapsed = time.perf_counter() - started
    app.extensions["bot_engine"].close()
    by_class = Counter(f"{code // 100}xx" for code in statuses.elements())
    return {
        "requests": sum(statuses.values()),
        "routes": len(all_routes),
        "seconds": round(elapsed, 1),
        "by_class": dict(sorted(by_class.items())),
        "by_status": dict(sorted(statuses.items())),
        "failures": failures[:20],
    }


def main() -> dict:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = fuzz(f"sqlite:///{tmp}/fuzz.sqlite3")
    name = f"bench_fuzz_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        results["postgresql"] = fuzz(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        from bot.store.db import _ENGINES

        for key in [k for k in _ENGINES if name in k]:
            _ENGINES.pop(key).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for database, result in results.items():
        print(f"{database}: {result['requests']} requests to {result['routes']} routes in {result['seconds']} s")
        print(f"  by class {result['by_class']}; by status {result['by_status']}")
        for failure in result["failures"]:
            print(f"  5xx: {failure}")
    return results


if __name__ == "__main__":
    main()
