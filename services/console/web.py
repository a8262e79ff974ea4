"""The console's own pages under /admin: sign-in and sign-out, the home page, users (admin) and the audit log.

Sign-in failures are throttled twice: per client address on the app's rate limiter (BOT_CONSOLE_SIGNIN_LIMIT failed
attempts, then 429), and per account in the database (services.console.users: LOCK_AFTER wrong passwords lock it
for LOCK_MINUTES). Both answer alike, so neither tells whether a name exists.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from connectors.limits import client_ip, limiter

from . import audit
from .auth import ROLES, current_user, public, require_role, sign_in, sign_out, store
from .gate import html_rate_limits
from .nav import add_section, visible
from .users import UserError

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
html_rate_limits(bp)
NOTICES = ("expired", "signed_out")


def _next_page(value: str | None) -> str:
    """Where to go after signing in: a console page of this site, else the console's home."""
    if value and value.startswith("/admin") and not value.startswith("//") and "\\" not in value:
        return value
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if request.method == "GET":
        if current_user() is not None:
            return redirect(_next_page(request.args.get("next")))
        notice = request.args.get("notice")
        return render_template("console/login.html", notice=notice if notice in NOTICES else None, failed=False)
    user = store().authenticate(request.form.get("name", ""), request.form.get("password", ""))
    if user is None:
        g.console_signin_failed = True
        return render_template("console/login.html", notice=None, failed=True), 401
    sign_in(user)
    return redirect(_next_page(request.args.get("next")))


@bp.post("/logout")
@public
def logout() -> ResponseReturnValue:
    sign_out()
    return redirect(url_for("console.login", notice="signed_out"))


@bp.get("/")
@require_role(*ROLES)
def home() -> ResponseReturnValue:
    return render_template("console/home.html", sections=[s for s in visible() if s["url"] != request.path])


@bp.get("/users")
@require_role("admin")
def users() -> ResponseReturnValue:
    return render_template("console/users.html", users=store().all(), roles=ROLES)


def _actor() -> str:
    user = current_user()
    assert user is not None  # require_role let the request in
    return user.name


@bp.post("/users")
@require_role("admin")
def create_user() -> ResponseReturnValue:
    form = request.form
    try:
        if form.get("password", "") != form.get("password_again", ""):
            raise UserError("The two passwords differ.")
        store().create(form.get("name", ""), form.get("role", ""), form.get("password", ""), _actor())
    except UserError as exc:
        return render_template("console/users.html", users=store().all(), roles=ROLES, error=str(exc)), 400
    flash("user_saved")
    return redirect(url_for("console.users"))


@bp.post("/users/<name>")
@require_role("admin")
def change_user(name: str) -> ResponseReturnValue:
    """One change per form: `role`, `active` (`1`/`0`) or `password`."""
    form, users_ = request.form, store()
    try:
        if "role" in form:
            users_.set_role(name, form["role"], _actor())
        elif "active" in form:
            if name == _actor():
                raise UserError("You cannot disable yourself.")
            users_.set_active(name, form["active"] == "1", _actor())
        elif "password" in form:
            users_.set_password(name, form["password"], _actor())
        else:
            raise UserError("Nothing to change.")
    except UserError as exc:
        return render_template("console/users.html", users=users_.all(), roles=ROLES, error=str(exc)), 400
    flash("user_saved")
    return redirect(url_for("console.users"))


@bp.get("/audit")
@require_role("admin")
def audit_log() -> ResponseReturnValue:
    page = request.args.get("page", "0")
    number = int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 0
    actor = (request.args.get("actor") or "").strip()[:80] or None
    database_url = current_app.config["BOT_SETTINGS"].database_url
    return render_template(
        "console/audit.html", entries=audit.entries(database_url, number, actor), page=number, actor=actor
    )


def _signin_failed(_response: Response) -> bool:
    return bool(g.get("console_signin_failed"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # the limiter checks a decorated view in its wrapper: the wrapper must be what the route calls
    limit = app.config["BOT_SETTINGS"].console_signin_limit
    throttled = limiter(app).limit(
        limit, key_func=client_ip, scope="console_signin", methods=["POST"], deduct_when=_signin_failed
    )
    app.view_functions["console.login"] = throttled(login)
    app.context_processor(lambda: {"console_user": current_user, "console_nav": visible})
    add_section(app, "console.home", "ホーム", 0)
    add_section(app, "console.users", "ユーザー", 90)
    add_section(app, "console.audit_log", "操作履歴", 91)
