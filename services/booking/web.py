"""Staff pages under /staff: a pickup day's bookings per area, collected/missed, capacity, the crews' CSV.

Protected by BOT_STAFF_TOKEN (HTTP Basic with the token as password, or `Authorization: Bearer <token>`);
without it every page answers 503 saying so. POST forms carry a signed CSRF token (itsdangerous, keyed by the
staff token), so another site cannot make a signed-in browser change anything.
"""

from __future__ import annotations

import hmac
import io
from datetime import date, timedelta
from urllib.parse import quote

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from connectors.errors import BadRequest
from services.areas.directory import NoAreas, names

from . import calendar, staff
from .config import load_config
from .contact import normalize_booking_number
from .service import BookingError, BookingStore, CapacityBelowBooked, UnknownArea

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
CSRF_MAX_AGE = 8 * 3600  # seconds a page's forms stay valid
STATUSES = ("collected", "missed", "booked")


def _token() -> str:
    return current_app.config.get("BOT_STAFF_TOKEN", "")


def _csrf() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_token(), salt="staff-csrf")


def _given_token() -> str:
    auth = request.authorization
    if auth is None:
        return ""
    if auth.type == "basic":
        return auth.password or ""
    return auth.token or ""


@bp.before_request
def _authenticate():
    if not _token():
        return Response(
            "Staff pages are disabled: set BOT_STAFF_TOKEN to a long random string and restart.\n",
            503,
            mimetype="text/plain",
        )
    if not hmac.compare_digest(_given_token().encode(), _token().encode()):
        return Response(
            "Staff sign-in required.\n",
            401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Basic realm="staff", charset="UTF-8"'},
        )
    if request.method == "POST":
        try:
            _csrf().loads(request.form.get("csrf_token", ""), max_age=CSRF_MAX_AGE)
        except BadSignature:
            return Response(
                "The form has expired or did not come from this site; reload the page.\n", 400, mimetype="text/plain"
            )
    return None


def _settings():
    return current_app.config["BOT_SETTINGS"]


def _store() -> BookingStore:
    settings = _settings()
    return BookingStore(settings.database_url, load_config(settings.data_dir))


def _day(value: str | None) -> date:
    if not value:
        return current_app.extensions["bot_engine"].now().date() + timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest("`date` must look like 2026-11-25.") from None


@bp.get("/")
def bookings():
    day, area = _day(request.args.get("date")), request.args.get("area") or None
    store = _store()
    try:  # the collection areas the capacity form offers
        areas, notice = names(_settings().database_url), request.args.get("notice")
    except NoAreas:
        areas, notice = [], "no_areas"
    return render_template(
        "staff.html",
        day=day,
        day_label=calendar.long_label(day),
        area=area,
        areas=areas,
        bookings=[(b, staff.row(b, _settings())) for b in store.day_list(day, area)],
        capacity=store.day_capacity(day),
        csrf_token=_csrf().dumps("staff"),
        notice=notice,
    )


@bp.post("/bookings/<number>/mark")
def mark(number: str):
    status = request.form.get("status")
    normalized = normalize_booking_number(number)
    if status not in STATUSES or not normalized:
        raise BadRequest("Unknown booking or status.")
    try:
        booking = _store().mark(normalized, status, current_app.extensions["bot_engine"].now())
    except BookingError:
        return redirect(url_for(".bookings", date=request.form.get("date"), notice="not_marked"))
    return redirect(
        url_for(
            ".bookings", date=booking.pickup_date.isoformat(), area=request.form.get("area") or None, notice="marked"
        )
    )


@bp.post("/capacity")
def capacity():
    day, area = _day(request.form.get("date")), (request.form.get("area") or "").strip()
    try:
        places = int(request.form.get("capacity", ""))
    except ValueError:
        raise BadRequest("`capacity` must be a whole number.") from None
    if not area:
        raise BadRequest("`area` is required.")
    try:
        _store().set_capacity(area, day, places)
        notice = "capacity_set"
    except CapacityBelowBooked:
        notice = "capacity_below_booked"
    except UnknownArea:
        notice = "capacity_unknown_area"
    except BookingError:
        notice = "capacity_invalid"
    except NoAreas:
        notice = "no_areas"
    return redirect(url_for(".bookings", date=day.isoformat(), notice=notice))


@bp.get("/export.csv")
def export():
    day, area = _day(request.args.get("date")), request.args.get("area") or None
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


def init_app(app) -> None:
    """Take BOT_STAFF_TOKEN from the settings once at start-up; the pages exist either way (503 without it)."""
    app.config.setdefault("BOT_STAFF_TOKEN", app.config["BOT_SETTINGS"].staff_token)
    app.register_blueprint(bp)
