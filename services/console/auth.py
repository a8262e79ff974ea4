"""Who is signed in to the console, and what their role lets them open.

    from services.console.auth import require_role, current_user

    @bp.get("/")
    @require_role("staff")          # staff and admin; `admin` may do everything
    def entries(): ...

An anonymous visitor is sent to the sign-in page (and back after it); a signed-in user without the role gets 403.
`require_role` records the roles on the view (`view.console_roles`): the navigation shows a section only to whom
may open it, and a test walks every /admin route with every role. A view under /admin with neither `require_role`
nor `public` is refused to everyone (services.console.gate).

The session is Flask's signed cookie, holding the user's id, the user's session epoch and the times of sign-in and
of the last request. It ends after BOT_CONSOLE_IDLE_MINUTES unused, MAX_SESSION_HOURS after sign-in, at sign-out
and when the user's password or role changes or the user is disabled (the epoch moves on).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from .users import ADMIN, ROLES, User, UserStore

__all__ = ["ADMIN", "ROLES", "User", "current_user", "public", "require_role", "sign_in", "sign_out", "store"]

ROLES_ATTR = "console_roles"  # frozenset of roles, or PUBLIC
PUBLIC: frozenset[str] = frozenset({"*"})
MAX_SESSION_HOURS = 12  # even a session in constant use signs in again after this
SEEN_EVERY = 15  # seconds: the last-request time is rewritten at most this often (each rewrite re-sends the cookie)

View = TypeVar("View", bound=Callable[..., Any])


def store() -> UserStore:
    return UserStore(current_app.config["BOT_SETTINGS"].database_url)


def _load() -> User | None:
    """The user of this request's session, or None (the session is cleared when it has ended, saying why)."""
    user_id = session.get("uid")
    if user_id is None:
        return None
    now = int(time.time())
    idle = current_app.config["BOT_SETTINGS"].console_idle_minutes * 60
    if now - session.get("seen", 0) > idle or now - session.get("since", 0) > MAX_SESSION_HOURS * 3600:
        session.clear()
        g.console_session_expired = True
        return None
    user = store().get(user_id)
    if user is None or not user.active or user.session_epoch != session.get("epoch"):
        session.clear()
        return None
    if now - session["seen"] >= SEEN_EVERY:
        session["seen"] = now
    return user


def current_user() -> User | None:
    """The signed-in user of this request (`.name`, `.role`, `.may(roles)`), or None."""
    if "console_user" not in g:
        g.console_user = _load()
    user: User | None = g.console_user
    return user


def sign_in(user: User) -> None:
    """A new session for `user` (never the one the sign-in page was shown in: no session fixation)."""
    now = int(time.time())
    session.clear()
    session.update(uid=user.id, epoch=user.session_epoch, since=now, seen=now)
    session.permanent = False  # the cookie ends with the browser; the idle and absolute limits end it sooner
    g.console_user = user


def sign_out() -> None:
    user = current_user()
    if user is not None:
        store().end_sessions(user.id)
    session.clear()
    g.console_user = None


def forbidden() -> ResponseReturnValue:
    return render_template("console/message.html", key="forbidden"), 403


def to_sign_in() -> ResponseReturnValue:
    """To the sign-in page, which comes back here afterwards."""
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    notice = "expired" if g.get("console_session_expired") else None
    return redirect(url_for("console.login", next=target, notice=notice))


def require_role(*roles: str) -> Callable[[View], View]:
    """Only signed-in users of one of `roles` (or admins) may use the decorated view."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_role takes roles among {ROLES}, not {roles}.")
    allowed = frozenset(roles) | {ADMIN}

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return to_sign_in()
            if not user.may(allowed):
                return forbidden()
            return view(*args, **kwargs)

        setattr(guarded, ROLES_ATTR, allowed)
        return guarded  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    """A console view anyone may open (the sign-in page)."""
    setattr(view, ROLES_ATTR, PUBLIC)
    return view


def roles_of(view: Callable[..., Any] | None) -> frozenset[str] | None:
    """The roles a view was declared for (PUBLIC for everyone), None when it declared none."""
    roles: frozenset[str] | None = getattr(view, ROLES_ATTR, None)
    return roles
