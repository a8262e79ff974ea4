"""Console users for tests: made in the real database, signed in through the real sign-in form (CSRF token and all)."""

from __future__ import annotations

from bot.store.migrate import upgrade
from services.console.users import UserStore

PASSWORD = "correct horse battery staple"


def csrf_of(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def add_user(database_url: str, name: str, role: str, password: str = PASSWORD) -> None:
    upgrade(database_url)
    UserStore(database_url).create(name, role, password, "test")


def sign_in(client, name: str, password: str = PASSWORD, **environ):
    """Post the sign-in form as a browser would (its page first, for the CSRF token); returns the response."""
    page = client.get("/admin/login", environ_base=environ).get_data(as_text=True)
    form = {"name": name, "password": password, "csrf_token": csrf_of(page)}
    return client.post("/admin/login", data=form, environ_base=environ)


def signed_in(app, database_url: str, role: str, name: str | None = None):
    """A test client signed in as a new user of `role` (named after it unless `name` is given)."""
    add_user(database_url, name or role, role)
    client = app.test_client()
    response = sign_in(client, name or role)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
