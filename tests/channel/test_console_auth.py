"""The console's sign-in, sessions and forms on the real app and database: the session cookie's flags, CSRF
rejection, sign-in throttled per client address and locked per account, idle and absolute session expiry, sign-out
and account changes ending sessions, the internal listener, and the audit rows of user changes."""

from __future__ import annotations

import time

import pytest

from bot.store.db import session_factory
from connectors.listeners import INTERNAL, LISTENER_KEY
from services.console.auth import MAX_SESSION_HOURS
from services.console.models import AuditEntry
from services.console.users import LOCK_AFTER, UserStore
from tests.support.console_support import PASSWORD, add_user, csrf_of, sign_in, signed_in

pytestmark = pytest.mark.fixture_city
SIGNIN_LIMIT = 3


@pytest.fixture
def extra_env(request) -> dict[str, str]:
    return {"BOT_CONSOLE_SIGNIN_LIMIT": f"{SIGNIN_LIMIT}/15 minutes", **getattr(request, "param", {})}


@pytest.fixture
def url(settings) -> str:
    add_user(settings.database_url, "admin", "admin")
    return settings.database_url


def audit_rows(url: str) -> list[tuple[str, str, str, object, object]]:
    with session_factory(url)() as s:
        return [(r.actor, r.action, r.target, r.before, r.after) for r in s.query(AuditEntry).order_by(AuditEntry.id)]


def test_signing_in_gives_a_session_cookie_only_scripts_and_other_sites_cannot_use(app, url):
    response = sign_in(app.test_client(), "admin")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("citybot_console=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (
        "Path=/admin" in cookie and "Secure" not in cookie and "Expires" not in cookie
    )  # development, browser session


@pytest.mark.parametrize("extra_env", [{"BOT_ENV": "production"}], indirect=True)
def test_in_production_the_cookie_is_sent_over_https_only(settings):
    from flask import Flask

    from services.console import gate

    app = Flask(__name__)
    app.config["BOT_SETTINGS"] = settings.with_(secret_key="k" * 32)
    gate.init_app(app)
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_a_form_without_its_sessions_csrf_token_is_refused(app, url):
    admin = signed_in(app, url, "admin", "admin2")
    other = signed_in(app, url, "staff")
    foreign = csrf_of(other.get("/admin/").get_data(as_text=True))
    new_user = {"name": "mallory", "role": "admin", "password": PASSWORD, "password_again": PASSWORD}
    for form in (new_user, {**new_user, "csrf_token": foreign}, {**new_user, "csrf_token": "forged"}):
        refused = admin.post("/admin/users", data=form)
        assert refused.status_code == 400 and "有効期限が切れたか" in refused.get_data(as_text=True)
    assert "mallory" not in [u.name for u in UserStore(url).all()]
    anonymous = app.test_client().post("/admin/login", data={"name": "admin", "password": PASSWORD})
    assert anonymous.status_code == 400  # signing in takes a token too (no login CSRF)
    token = csrf_of(admin.get("/admin/").get_data(as_text=True))
    assert admin.post("/admin/users", data={**new_user, "csrf_token": token}).status_code == 302
    assert "mallory" in [u.name for u in UserStore(url).all()]


def test_failed_sign_ins_are_throttled_per_client_address(app, url):
    guesser, elsewhere = {"REMOTE_ADDR": "192.0.2.7"}, {"REMOTE_ADDR": "192.0.2.8"}
    client = app.test_client()
    for n in range(SIGNIN_LIMIT):  # different names: the per-account lockout plays no part
        failed = sign_in(client, f"nobody{n}", "wrong password", **guesser)
        assert failed.status_code == 401 and "サインインできませんでした" in failed.get_data(as_text=True)
    refused = sign_in(client, "admin", **guesser)  # the right password, from the guessing address
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "分ほど待ってから" in refused.get_data(as_text=True)
    assert sign_in(app.test_client(), "admin", **elsewhere).status_code == 302


def test_wrong_passwords_lock_the_account_whatever_the_address(app, url):
    for n in range(LOCK_AFTER):
        address = {"REMOTE_ADDR": f"198.51.100.{n}"}
        assert sign_in(app.test_client(), "admin", "wrong password", **address).status_code == 401
    locked = sign_in(app.test_client(), "admin", REMOTE_ADDR="203.0.113.1")
    assert locked.status_code == 401  # the right password waits out the lock, told no more than a wrong one
    assert audit_rows(url)[-1][:2] == ("admin", "user.locked")
    UserStore(url).set_active("admin", True, "test")  # an admin re-enabling the account lifts the lock
    assert sign_in(app.test_client(), "admin", REMOTE_ADDR="203.0.113.1").status_code == 302


def test_a_session_ends_when_idle_and_after_its_longest_life(app, url, settings):
    client = signed_in(app, url, "analyst")
    assert client.get("/admin/").status_code == 200
    with client.session_transaction("/admin/") as session:  # the cookie's path
        session["seen"] = int(time.time()) - settings.console_idle_minutes * 60 - 1
    expired = client.get("/admin/")
    assert expired.status_code == 302 and expired.headers["Location"].startswith("/admin/login")
    assert "notice=expired" in expired.headers["Location"]
    assert "一定時間操作がなかったため" in client.get(expired.headers["Location"]).get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # the session is gone, not just refused once
    client = signed_in(app, url, "bookings")
    with client.session_transaction("/admin/") as session:  # the cookie's path
        session["since"] = int(time.time()) - MAX_SESSION_HOURS * 3600 - 1
    assert client.get("/admin/").status_code == 302


def test_sign_out_a_new_password_and_disabling_end_the_users_sessions(app, url):
    first, second = signed_in(app, url, "staff", "suzuki"), app.test_client()
    assert sign_in(second, "suzuki").status_code == 302
    token = csrf_of(first.get("/admin/").get_data(as_text=True))
    signed_out = first.post("/admin/logout", data={"csrf_token": token})
    assert signed_out.headers["Location"] == "/admin/login?notice=signed_out"
    assert first.get("/admin/").status_code == 302 and second.get("/admin/").status_code == 302
    third = app.test_client()
    assert sign_in(third, "suzuki").status_code == 302
    UserStore(url).set_password("suzuki", "another long password", "test")
    assert third.get("/admin/").status_code == 302
    assert sign_in(third, "suzuki").status_code == 401
    assert sign_in(third, "suzuki", "another long password").status_code == 302
    UserStore(url).set_active("suzuki", False, "test")
    assert third.get("/admin/").status_code == 302
    assert sign_in(app.test_client(), "suzuki", "another long password").status_code == 401


def test_after_sign_in_only_a_console_page_of_this_site_is_next(app, url):
    for target, goes_to in (
        ("/admin/users", "/admin/users"),
        ("//evil.example/admin", "/admin/"),
        ("https://evil.example/", "/admin/"),
        ("/admin\\@evil.example", "/admin/"),
    ):
        client = app.test_client()
        token = csrf_of(client.get("/admin/login").get_data(as_text=True))
        response = client.post(
            "/admin/login",
            query_string={"next": target},
            data={"name": "admin", "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == goes_to, target


def test_admins_manage_users_and_every_change_is_audited(app, url):
    admin = signed_in(app, url, "admin", "tanaka")
    token = csrf_of(admin.get("/admin/users").get_data(as_text=True))
    form = {"name": "kato", "role": "staff", "password": PASSWORD, "password_again": PASSWORD, "csrf_token": token}
    assert admin.post("/admin/users", data=form).status_code == 302
    short = admin.post("/admin/users", data={**form, "name": "ito", "password": "short", "password_again": "short"})
    assert short.status_code == 400 and "12 to 256 characters" in short.get_data(as_text=True)
    assert admin.post("/admin/users/kato", data={"role": "analyst", "csrf_token": token}).status_code == 302
    assert admin.post("/admin/users/kato", data={"active": "0", "csrf_token": token}).status_code == 302
    assert admin.post("/admin/users/tanaka", data={"active": "0", "csrf_token": token}).status_code == 400  # oneself
    assert [r for r in audit_rows(url) if r[2] == "kato"] == [
        ("tanaka", "user.create", "kato", None, {"role": "staff", "active": True}),
        ("tanaka", "user.role", "kato", {"role": "staff"}, {"role": "analyst"}),
        ("tanaka", "user.disable", "kato", {"active": True}, {"active": False}),
    ]
    page = admin.get("/admin/audit?actor=tanaka").get_data(as_text=True)
    assert page.count("user.") == 3 and "user.disable" in page  # tanaka's own three, and none of the test's


@pytest.mark.parametrize("extra_env", [{"BOT_CONSOLE_PORT": "5999"}], indirect=True)
def test_with_a_console_port_the_console_answers_only_on_the_internal_listener(app, url):
    public, internal = app.test_client(), app.test_client()
    internal.environ_base[LISTENER_KEY] = INTERNAL
    assert public.get("/admin/login").status_code == 404
    assert public.get("/admin/").status_code == 404 and public.get("/health").status_code == 200
    assert public.get("/admin/login", headers={"X-Citybot-Listener": INTERNAL}).status_code == 404
    assert sign_in(internal, "admin").status_code == 302 and internal.get("/admin/users").status_code == 200
    assert internal.get("/health").status_code == 404  # the internal listener serves the console alone
