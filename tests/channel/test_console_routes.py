"""Every route under /admin, for every role and for anonymous visitors, read from the app's url_map: FAQ curation's,
the queue's and the dashboard's routes are covered as they are added. What each route allows is what its view
declared with require_role (services.console.auth); a route that declared nothing is refused to everyone.

Anonymous: sent to the sign-in page. A role the view does not allow: 403. A role it allows (admin always): anything
but those two and never 5xx (its own checks may still say 400 or 404 to the placeholder values sent here)."""

from __future__ import annotations

import re

import pytest

from bot.store.migrate import upgrade
from services.console.auth import PUBLIC, ROLES, roles_of
from services.console.gate import under_console
from tests.support.console_support import csrf_of, sign_in, signed_in

pytestmark = pytest.mark.fixture_city

ANONYMOUS = "anonymous"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
LAST = ("console.logout",)  # signs the client out: tried after the others


def console_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every /admin route, its URL variables filled with a placeholder."""
    found = []
    for rule in app.url_map.iter_rules():
        if not under_console(rule.rule) or rule.endpoint.endswith(".static"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)
        found += [(rule.endpoint, method, path) for method in sorted((rule.methods or set()) - SKIPPED_METHODS)]
    return sorted(found, key=lambda r: (r[0] in LAST, r))


@pytest.fixture
def database(settings):
    upgrade(settings.database_url)
    return settings.database_url


def client_of(app, database: str, who: str):
    """A client signed in as a user of role `who` (or none), with a CSRF token valid for its session."""
    if who == ANONYMOUS:
        client = app.test_client()
        token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    else:
        client = signed_in(app, database, who)
        token = csrf_of(client.get("/admin/").get_data(as_text=True))  # the sign-out form carries it
    return client, token


def test_every_console_view_declares_who_may_use_it(app):
    routes = console_routes(app)
    assert {"console.login", "console.home", "console.users", "bookings.bookings"} <= {r[0] for r in routes}
    undeclared = sorted({e for e, _, _ in routes if roles_of(app.view_functions[e]) is None})
    assert undeclared == [], f"/admin views without require_role or public: {undeclared}"


@pytest.mark.parametrize("who", [ANONYMOUS, *ROLES])
def test_every_console_route_lets_in_exactly_the_roles_it_declares(app, database, who):
    client, token = client_of(app, database, who)
    wrong = []
    for endpoint, method, path in console_routes(app):
        roles = roles_of(app.view_functions[endpoint])
        data = {"csrf_token": token} if method != "GET" else None
        response = client.open(path, method=method, data=data)
        location = response.headers.get("Location", "")
        to_sign_in = response.status_code == 302 and location.startswith("/admin/login")
        if response.status_code >= 500:
            wrong.append(f"{method} {path}: {response.status_code}")
        elif roles == PUBLIC:
            if response.status_code == 403 or (to_sign_in and endpoint != "console.logout"):
                wrong.append(f"{method} {path} is public but answered {response.status_code} {location}")
        elif who == ANONYMOUS:
            if not to_sign_in:
                wrong.append(f"{method} {path} let an anonymous visitor in: {response.status_code} {location}")
        elif who == "admin" or who in roles:
            if response.status_code == 403 or to_sign_in:
                wrong.append(f"{method} {path} refused {who}, who it allows: {response.status_code} {location}")
        elif response.status_code != 403:
            wrong.append(f"{method} {path} let in {who}, who it does not allow: {response.status_code} {location}")
    assert wrong == []


def test_a_console_view_that_declares_no_roles_is_refused_to_everyone(app, database):
    from flask import Blueprint

    careless = Blueprint("careless", __name__, url_prefix="/admin/careless")
    careless.add_url_rule("/", "page", lambda: "secret")
    app.register_blueprint(careless)
    admin = signed_in(app, database, "admin")
    response = admin.get("/admin/careless/")
    assert response.status_code == 403 and "secret" not in response.get_data(as_text=True)
    assert sign_in(app.test_client(), "admin").status_code == 302  # the console itself still works
