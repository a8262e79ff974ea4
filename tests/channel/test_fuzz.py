"""Every HTTP route fuzzed (issue 11): random JSON shapes, types, Unicode and sizes, random headers, valid and forged
signatures and tokens, against the real app on SQLite and on PostgreSQL, both loaded with the demo city's data. No
response may be 5xx, and every JSON error has the {"error", "status"} shape.

Bounded for `make test`: a fixed number of requests per database from a fixed seed (derandomize), well under a
minute each. bench/bench_fuzz.py sends ≥ 10,000 per database for bench/RESULTS.md. The strategies are in
tests/support/fuzz.py."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from tests.support.fuzz import FUZZ_ENV, harvest, requests_for, routes, send, server_error

REQUESTS = 600  # per database


@pytest.fixture(params=["sqlite", "postgresql"])
def extra_env(request):
    return FUZZ_ENV | ({"BOT_DATABASE_URL": request.getfixturevalue("pg_url")} if request.param == "postgresql" else {})


@pytest.fixture
def database(request, settings):
    """The demo city's data, as `make run` prepares it: the SQLite template copied, or PostgreSQL set up alike."""
    if settings.database_url.startswith("sqlite"):
        request.getfixturevalue("demo_data")
    else:
        from bot.cli import cmd_setup

        cmd_setup(None, settings)
    return settings.database_url.split(":", 1)[0]


def test_no_route_answers_5xx(database, client, app):
    all_routes = routes(app)
    assert any(r.rule == "/webhooks/rest/webhook" for r in all_routes) and any(
        r.rule.startswith("/staff") for r in all_routes
    )
    seeds = harvest(client)

    @hypothesis_settings(
        max_examples=REQUESTS,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests_for(all_routes, seeds))
    def no_5xx(request):
        problem = server_error(send(client, request))
        assert problem is None, f"{request.describe()} {problem}"

    no_5xx()
