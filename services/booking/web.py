"""The bulky-waste booking pages of the console, under /admin/bookings (role `bookings`): a pickup day's bookings per
area, collected/missed, capacity, the crews' CSV.

Sign-in, sessions, CSRF tokens on the forms and sign-in throttling are the console's (services/console); each change
is written to its audit log with the values before and after. Every value a page or form sends is checked (known
areas, bounded dates and capacities): a wrong one shows the page again with a 400 and a Japanese notice.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.formats import load_formats
from services.areas.directory import NoAreas, names
from services.console import audit
from services.console.auth import current_user, require_role
from services.console.nav import add_section

from . import staff
from .config import load_config
from .contact import normalize_booking_number
from .service import BookingError, BookingStore, CapacityBelowBooked, UnknownArea

bp = Blueprint("bookings", __name__, url_prefix="/admin/bookings", template_folder="templates")
STATUSES = ("collected", "missed", "booked")
# Dates the pages take: a year back (last year's bookings) to two years ahead (capacity planned early).
DAYS_BACK, DAYS_AHEAD = 366, 731
MAX_DIGITS = 9  # of a typed capacity: far above any max_capacity, far below what int() refuses


class StaffInputError(Exception):
    """A value the pages cannot take: the page is shown again (of `day`, else tomorrow) with a 400 and `notice`."""

    def __init__(self, notice: str, day: date | None = None):
        super().__init__(notice)
        self.notice = notice
        self.day = day


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
        "console_bookings/day.html",
        day=day,
        day_label=load_formats(_settings().data_dir).date(day, "long_date"),
        area=area,
        areas=areas,
        bookings=[(b, staff.row(b, _settings())) for b in store.day_list(day, area)],
        capacity=store.day_capacity(day),
        notice=notice,
        max_capacity=store.config.max_capacity,
    )
    return html, status


@bp.errorhandler(StaffInputError)
def _input_error(exc: StaffInputError) -> ResponseReturnValue:
    return _page(exc.day or _today() + timedelta(days=1), None, exc.notice, 400)


@bp.get("/")
@require_role("bookings")
def bookings() -> ResponseReturnValue:
    day = _day(request.args.get("date"))
    return _page(day, _area(request.args.get("area"), day), request.args.get("notice"))


@bp.post("/<number>/mark")
@require_role("bookings")
def mark(number: str) -> ResponseReturnValue:
    status = request.form.get("status")
    normalized = normalize_booking_number(number)
    if status not in STATUSES or not normalized:
        raise StaffInputError("not_marked")
    area = _area(request.form.get("area"), None)  # the list to go back to
    store = _store()
    found = store.get(normalized)
    try:
        booking = store.mark(normalized, status, current_app.extensions["bot_engine"].now())
    except BookingError:
        return redirect(url_for(".bookings", notice="not_marked"))
    _audit("booking.mark", normalized, {"status": found and found.status}, {"status": booking.status})
    return redirect(url_for(".bookings", date=booking.pickup_date.isoformat(), area=area, notice="marked"))


@bp.post("/capacity")
@require_role("bookings")
def capacity() -> ResponseReturnValue:
    day = _day(request.form.get("date"))
    area = _area(request.form.get("area"), day)
    if area is None:
        raise StaffInputError("capacity_unknown_area", day)
    typed = (request.form.get("capacity") or "").strip()
    if not (typed.isascii() and typed.isdigit() and len(typed) <= MAX_DIGITS):
        raise StaffInputError("capacity_invalid", day)
    store = _store()
    before = {a: cap for a, cap, _booked in store.day_capacity(day)}.get(area)
    try:
        store.set_capacity(area, day, int(typed))
        _audit("booking.capacity", f"{area} {day.isoformat()}", {"capacity": before}, {"capacity": int(typed)})
        notice = "capacity_set"
    except CapacityBelowBooked:
        notice = "capacity_below_booked"
    except (UnknownArea, NoAreas):  # the areas were re-imported since the check above
        raise StaffInputError("capacity_unknown_area", day) from None
    except BookingError:  # above the city's max_capacity
        raise StaffInputError("capacity_invalid", day) from None
    return redirect(url_for(".bookings", date=day.isoformat(), notice=notice))


@bp.get("/export.csv")
@require_role("bookings")
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


def _audit(action: str, target: str, before: dict, after: dict) -> None:
    user = current_user()
    assert user is not None  # require_role let the request in
    audit.record_now(_settings().database_url, user, action, target, before, after)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "bookings.bookings", "粗大ごみ収集", 40)
