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
from sqlalchemy.exc import DataError

from tests.support.fuzz import (
    FUZZ_ENV,
    harvest,
    line_signature,
    requests_for,
    routes,
    sandbox_signature,
    send,
    server_error,
)

REQUESTS = 2000  # per database: about 30 s each on the project machine


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
        r.rule.startswith("/admin/bookings") for r in all_routes
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


def nested(depth: int) -> bytes:
    return b'{"sender": "a", "message": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("extra_env", [FUZZ_ENV])  # SQLite: the database plays no part
def test_deeply_nested_json_gets_400_on_every_json_route(client, app):
    """Finding 10: nesting past Python's recursion limit gave 500 on every JSON route; now a clear 400, also for LINE's
    webhook and the payment callback when the signature is valid (every POST route but the HTML forms)."""
    json_routes = [r for r in routes(app) if "POST" in r.methods and not r.rule.startswith(("/admin", "/pay/"))]
    assert len(json_routes) >= 5
    for route in json_routes:
        body = nested(100_000)
        path = route.path(dict.fromkeys(route.variables, "sandbox"))
        headers = {"X-Line-Signature": line_signature(body), "X-Sandbox-Signature": sandbox_signature(body)}
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        if response.status_code < 300:  # a route that reads no body (/widget/session) takes any, even invalid JSON
            assert client.post(path, data=b"not json", content_type="application/json").status_code < 300
            continue
        assert response.status_code == 400, (route.rule, response.get_data(as_text=True))
        assert response.get_json()["status"] == 400
    # a body at the limit is read as usual
    assert client.post("/model/parse", data=b'{"text": "a", "x": ' + b"[" * 30 + b"]" * 30 + b"}",
                       content_type="application/json").status_code == 200  # fmt: skip


BAD_INPUT = {
    "recursion": RecursionError("maximum recursion depth exceeded"),
    "surrogate": UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
    "overflow": OverflowError("date value out of range"),
    "database": DataError("INSERT …", {}, Exception("value out of range for type integer")),
}


@pytest.mark.parametrize("extra_env", [FUZZ_ENV])  # SQLite: the database plays no part
def test_unchecked_bad_input_is_a_400_and_logged_as_an_error_a_bug_stays_a_500(app, client, caplog):
    """The last line (connectors/errors.py): bad input that escaped every check is the client's 400, but logged as an
    error naming the route (never its body), so the missing check gets fixed; any other exception is still a 500."""

    def boom(kind: str):
        raise BAD_INPUT[kind] if kind in BAD_INPUT else KeyError(kind)

    app.add_url_rule("/boom/<kind>", "boom", boom, methods=["POST"])
    for kind in BAD_INPUT:
        caplog.clear()
        response = client.post(f"/boom/{kind}", json={"message": "090-1234-5678"})
        assert response.status_code == 400 and response.get_json()["status"] == 400
        errors = [r for r in caplog.records if r.levelname == "ERROR" and r.name == "connectors.errors"]
        assert errors and "boom" in errors[0].getMessage() and errors[0].exc_info
        assert "090-1234-5678" not in caplog.text
    bug = client.post("/boom/bug", json={})
    assert bug.status_code == 500 and bug.get_json() == {"error": "internal error", "status": 500}
