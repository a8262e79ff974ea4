"""Staff pages under /staff: a pickup day's bookings per area, collected/missed, capacity, the crews' CSV.

Protected by BOT_STAFF_TOKEN (HTTP Basic with the token as password, or `Authorization: Bearer <token>`; any other
scheme, or credentials that cannot be decoded, is a 401); without it every page answers 503 saying so. A client
address that gives too many wrong tokens is refused (429) for a while: `lockouts.staff_signin` in data/bulky.yml, on
the app's rate limiter (connectors/limits.py). POST forms carry a signed CSRF token (itsdangerous, keyed by the
staff token), so another site cannot make a signed-in browser change anything. Every value a page or form sends is
checked (known areas, bounded dates and capacities): a wrong one shows the page again with a 400 and a Japanese
notice.
"""

from __future__ import annotations

import hmac
import io
from datetime import date, timedelta
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer

from connectors.limits import client_ip, limiter
from services.areas.directory import NoAreas, names

from . import calendar, staff
from .config import load_config
from .contact import normalize_booking_number
from .service import BookingError, BookingStore, CapacityBelowBooked, UnknownArea

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
CSRF_MAX_AGE = 8 * 3600  # seconds a page's forms stay valid
STATUSES = ("collected", "missed", "booked")
SCHEMES = ("basic", "bearer")
# Dates the pages take: a year back (last year's bookings) to two years ahead (capacity planned early).
DAYS_BACK, DAYS_AHEAD = 366, 731
MAX_DIGITS = 9  # of a typed capacity: far above any max_capacity, far below what int() refuses


class StaffInputError(Exception):
    """A value the pages cannot take: the page is shown again (of `day`, else tomorrow) with a 400 and `notice`."""

    def __init__(self, notice: str, day: date | None = None):
        super().__init__(notice)
        self.notice = notice
        self.day = day


def _token() -> str:
    token: str = current_app.config.get("BOT_STAFF_TOKEN", "")
    return token


def _csrf() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_token(), salt="staff-csrf")


def _given_token() -> str | None:
    """The token the client sent: HTTP Basic's password or a Bearer token; None for anything else."""
    try:
        auth = request.authorization
    except ValueError:  # Werkzeug cannot decode the header at all (`Basic あ`)
        return None
    if auth is None or auth.type not in SCHEMES:
        return None
    return auth.password if auth.type == "basic" else auth.token


def _message(key: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(render_template("staff_message.html", key=key), status, headers=headers)


def _signin_failed(response: Response) -> bool:
    """A wrong or unusable token was sent (a browser's first, credential-less request does not count)."""
    return response.status_code == 401 and "Authorization" in request.headers


def _signin_limit() -> str:
    throttle = load_config(_settings().data_dir).staff_signin
    return f"{throttle.failures} per {throttle.window_minutes} minutes"


@bp.before_request
def _authenticate() -> ResponseReturnValue | None:
    if not _token():
        return _message("disabled", 503)
    given = _given_token()
    if given is None or not hmac.compare_digest(given.encode(), _token().encode()):
        return _message("signin", 401, {"WWW-Authenticate": 'Basic realm="staff", charset="UTF-8"'})
    if request.method == "POST":
        try:
            _csrf().loads(request.form.get("csrf_token", ""), max_age=CSRF_MAX_AGE)
        except BadSignature:
            return _message("form_expired", 400)
    return None


def _settings():
    return current_app.config["BOT_SETTINGS"]


def _store() -> BookingStore:
    settings = _settings()
    return BookingStore(settings.database_url, load_config(settings.data_dir))


def _today() -> date:
    today: date = current_app.extensions["bot_engine"].now().date()
    return today


def _day(value: str | None) -> date:
    """The page's day (tomorrow by default): an ISO date at most a year back and two years ahead."""
    today = _today()
    if not value:
        return today + timedelta(days=1)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise StaffInputError("date_invalid") from None
    if not today - timedelta(days=DAYS_BACK) <= day <= today + timedelta(days=DAYS_AHEAD):
        raise StaffInputError("date_out_of_range")
    return day


def _area(value: str | None, day: date | None) -> str | None:
    """A collection area's name exactly as imported (None for none given); anything else is refused."""
    area = (value or "").strip()
    if not area:
        return None
    try:
        known = names(_settings().database_url)
    except NoAreas:
        raise StaffInputError("no_areas", day) from None
    if area not in known:  # also what no area could be called: too long, control characters
        raise StaffInputError("capacity_unknown_area", day)
    return area


def _page(day: date, area: str | None, notice: str | None, status: int = 200) -> ResponseReturnValue:
    store = _store()
    try:  # the collection areas the capacity form offers
        areas = names(_settings().database_url)
    except NoAreas:
        areas, notice = [], notice or "no_areas"
    html = render_template(
        "staff.html",
        day=day,
        day_label=calendar.long_label(day),
        area=area,
        areas=areas,
        bookings=[(b, staff.row(b, _settings())) for b in store.day_list(day, area)],
        capacity=store.day_capacity(day),
        csrf_token=_csrf().dumps("staff"),
        notice=notice,
        max_capacity=store.config.max_capacity,
    )
    return html, status


@bp.errorhandler(StaffInputError)
def _input_error(exc: StaffInputError) -> ResponseReturnValue:
    return _page(exc.day or _today() + timedelta(days=1), None, exc.notice, 400)


@bp.get("/")
def bookings() -> ResponseReturnValue:
    day = _day(request.args.get("date"))
    return _page(day, _area(request.args.get("area"), day), request.args.get("notice"))


@bp.post("/bookings/<number>/mark")
def mark(number: str) -> ResponseReturnValue:
    status = request.form.get("status")
    normalized = normalize_booking_number(number)
    if status not in STATUSES or not normalized:
        raise StaffInputError("not_marked")
    area = _area(request.form.get("area"), None)  # the list to go back to
    try:
        booking = _store().mark(normalized, status, current_app.extensions["bot_engine"].now())
    except BookingError:
        return redirect(url_for(".bookings", notice="not_marked"))
    return redirect(url_for(".bookings", date=booking.pickup_date.isoformat(), area=area, notice="marked"))


@bp.post("/capacity")
def capacity() -> ResponseReturnValue:
    day = _day(request.form.get("date"))
    area = _area(request.form.get("area"), day)
    if area is None:
        raise StaffInputError("capacity_unknown_area", day)
    typed = (request.form.get("capacity") or "").strip()
    if not (typed.isascii() and typed.isdigit() and len(typed) <= MAX_DIGITS):
        raise StaffInputError("capacity_invalid", day)
    try:
        _store().set_capacity(area, day, int(typed))
        notice = "capacity_set"
    except CapacityBelowBooked:
        notice = "capacity_below_booked"
    except (UnknownArea, NoAreas):  # the areas were re-imported since the check above
        raise StaffInputError("capacity_unknown_area", day) from None
    except BookingError:  # above the city's max_capacity
        raise StaffInputError("capacity_invalid", day) from None
    return redirect(url_for(".bookings", date=day.isoformat(), notice=notice))


@bp.get("/export.csv")
def export() -> ResponseReturnValue:
    day = _day(request.args.get("date"))
    area = _area(request.args.get("area"), day)
    out = io.StringIO()
    staff.write_csv(_store().day_list(day, area), out, _settings())
    name = f"bulky-{day.isoformat()}{'-' + area if area else ''}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="bulky-{day.isoformat()}.csv"; '
            f"filename*=UTF-8''{quote(name)}"
        },
    )


def init_app(app: Flask) -> None:
    """Take BOT_STAFF_TOKEN from the settings once at start-up; the pages exist either way (503 without it)."""
    app.config.setdefault("BOT_STAFF_TOKEN", app.config["BOT_SETTINGS"].staff_token)
    limiter(app).limit(_signin_limit, key_func=client_ip, scope="staff_signin", deduct_when=_signin_failed)(bp)
    app.register_blueprint(bp)
