"""Staff tools for bulky-waste pickups: the CLI (`bot booking …`, `bot remind`) and the console's booking pages
(/admin/bookings, role `bookings`), whose changes are audited."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import cli, outbox
from bot.store.db import session_factory
from bot.store.migrate import upgrade
from services.booking.config import load_config
from services.booking.fees import load_table
from services.booking.service import BookingStore, Draft
from services.console.models import AuditEntry
from tests.support.area_support import add_areas
from tests.support.console_support import csrf_of, signed_in

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
PICKUP = date(2026, 11, 25)
PAGES = "/admin/bookings/"


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"PAYMENT_SANDBOX_SECRET": "test-sandbox-secret"}


@pytest.fixture
def store(bot_env):
    upgrade(bot_env.database_url)
    add_areas(bot_env.database_url, "泉野", "浅野")
    return BookingStore(bot_env.database_url, load_config(bot_env.data_dir))


@pytest.fixture
def fees(bot_env):
    return load_table(bot_env.data_dir, bot_env.database_url)


def book(store, fees, area="泉野", sender="web-1", day=PICKUP) -> str:
    draft = Draft(
        area=area,
        address=f"{area}町1-1",
        name="山田花子",
        phone="09012345678",
        pickup_date=day,
        items=(("sofa", 1), ("chest", 2)),
        payment_method="sticker",
        channel="rest",
        sender_id=sender,
    )
    return store.reserve(draft, NOW, fees)[0].number


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_lists_marks_exports_and_sets_capacity(store, fees, bot_env, capsys, tmp_path):
    first, second = book(store, fees), book(store, fees, area="浅野")
    code, out, _ = run(capsys, "booking", "list", "--date", "2026-11-25")
    assert code == 0 and first in out and second in out and "ソファー×1、たんす×2" in out and "# 泉野: 1/20" in out
    code, out, _ = run(capsys, "booking", "list", "--date", "2026-11-25", "--area", "浅野")
    assert second in out and first not in out
    assert run(capsys, "booking", "mark", first.lower(), "collected")[:2] == (0, f"{first}: collected\n")
    assert (
        run(capsys, "booking", "capacity", "--area", "泉野", "--date", "2026-11-25", "--set", "5")[1]
        == "泉野 2026-11-25: 1 booked of 5\n"
    )
    code, _, err = run(capsys, "booking", "capacity", "--area", "泉野", "--date", "2026-11-25", "--set", "0")
    assert code == 2 and "cannot be lower" in err
    out_file = tmp_path / "crews.csv"
    assert run(capsys, "booking", "export", "--date", "2026-11-25", "--out", str(out_file))[0] == 0
    raw = out_file.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["受付番号", "収集日", "地区"] and len(rows) == 3
    assert {r[0] for r in rows[1:]} == {first, second} and "収集済" in {r[11] for r in rows[1:]}
    with pytest.raises(SystemExit):
        cli.main(["booking", "list", "--date", "11/25"])


def test_remind_sends_each_reminder_once(store, fees, bot_env, capsys, monkeypatch):
    book(store, fees, sender="web-9")
    monkeypatch.setenv("BOT_FIXED_NOW", "2026-11-24T18:00:00+09:00")
    assert run(capsys, "remind")[:2] == (0, "reminders sent: 1, failed: 0\n")
    assert run(capsys, "remind")[:2] == (0, "reminders sent: 0, failed: 0\n")
    (message,) = outbox.fetch(bot_env.database_url, "web-9")
    assert "2026年11月25日(水)は粗大ごみの収集日です" in message["text"] and "たんす ×2" in message["text"]


def test_line_bookings_are_reminded_through_the_line_notifier(store, fees, bot_env, monkeypatch):
    from bot.notify import notifier_for
    from bot.outbox import OutboxNotifier
    from connectors.line.push import LinePushNotifier
    from services.booking import reminders

    with_line = bot_env.with_(line_channel_secret="test-secret", line_channel_access_token="test-token")
    assert isinstance(notifier_for("line", with_line), LinePushNotifier)
    assert isinstance(notifier_for("rest", bot_env), OutboxNotifier)
    assert isinstance(notifier_for("widget", bot_env), OutboxNotifier)
    sent = []

    class Recorder:
        def send(self, recipient_id, text, retry_key):
            sent.append((recipient_id, retry_key))

    draft = Draft(
        area="泉野",
        address="泉野町1-1",
        name="山田",
        phone="09012345678",
        pickup_date=PICKUP,
        items=(("sofa", 1),),
        payment_method="sticker",
        channel="line",
        sender_id="U123",
    )
    number = store.reserve(draft, NOW, fees)[0].number
    monkeypatch.setattr(reminders, "notifier_for", lambda channel, settings: Recorder())
    assert reminders.run(bot_env, datetime(2026, 11, 24, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo"))).sent == 1
    assert sent == [("U123", f"reminder:{number}:2026-11-25")]


@pytest.fixture
def staff(app, store, bot_env):
    """A browser signed in to the console as a user of the role `bookings`."""
    return signed_in(app, bot_env.database_url, "bookings", "sato")


def test_booking_pages_need_a_bookings_user(app, store, bot_env, staff):
    assert client_of(app).get(PAGES).headers["Location"].startswith("/admin/login")
    assert signed_in(app, bot_env.database_url, "analyst").get(PAGES).status_code == 403
    assert staff.get(PAGES).status_code == 200
    assert signed_in(app, bot_env.database_url, "admin").get(PAGES).status_code == 200
    assert client_of(app).get("/staff/").status_code == 404  # the shared-token pages are gone


def client_of(app):
    return app.test_client()


def audit_rows(database_url: str) -> list[tuple[str, str, str, dict, dict]]:
    with session_factory(database_url)() as s:
        rows = s.query(AuditEntry).filter(AuditEntry.action.like("booking.%")).order_by(AuditEntry.id)
        return [(r.actor, r.action, r.target, r.before, r.after) for r in rows]


def test_staff_page_lists_marks_sets_capacity_exports_and_audits(store, fees, staff, bot_env):
    number = book(store, fees)
    page = staff.get(PAGES + "?date=2026-11-25")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and number in html and "ソファー×1、たんす×2" in html and "泉野" in html
    token = csrf_of(html)
    refused = staff.post(f"{PAGES}{number}/mark", data={"status": "missed"})
    assert refused.status_code == 400 and "有効期限" in refused.get_data(as_text=True)  # no CSRF token
    response = staff.post(f"{PAGES}{number}/mark", data={"status": "missed", "csrf_token": token, "date": "2026-11-25"})
    assert response.status_code == 302 and store.get(number).status == "missed"
    response = staff.post(
        PAGES + "capacity", data={"area": "泉野", "date": "2026-11-25", "capacity": "0", "csrf_token": token}
    )
    assert "capacity_below_booked" in response.headers["Location"]
    staff.post(PAGES + "capacity", data={"area": "泉野", "date": "2026-11-25", "capacity": "3", "csrf_token": token})
    assert store.day_capacity(PICKUP) == [("泉野", 3, 1)]
    export = staff.get(PAGES + "export.csv?date=2026-11-25")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert number in export.get_data(as_text=True) and "未収集" in export.get_data(as_text=True)
    assert staff.get(PAGES + "?date=tomorrow").status_code == 400
    assert audit_rows(bot_env.database_url) == [
        ("sato", "booking.mark", number, {"status": "booked"}, {"status": "missed"}),
        ("sato", "booking.capacity", "泉野 2026-11-25", {"capacity": 20}, {"capacity": 3}),
    ]


def test_staff_capacity_takes_an_imported_area_and_says_when_there_are_none(app, bot_env):
    upgrade(bot_env.database_url)
    staff = signed_in(app, bot_env.database_url, "bookings")
    page = staff.get(PAGES + "?date=2026-11-25").get_data(as_text=True)
    assert "収集地区がまだ登録されていません" in page and "python -m bot setup" in page
    form = {"date": "2026-11-25", "capacity": "3", "csrf_token": csrf_of(page)}
    response = staff.post(PAGES + "capacity", data={**form, "area": "泉野"})
    assert response.status_code == 400 and "収集地区がまだ登録されていません" in response.get_data(as_text=True)
    add_areas(bot_env.database_url, "泉野", "浅野")
    page = staff.get(PAGES + "?date=2026-11-25").get_data(as_text=True)
    assert '<option value="泉野"><option value="浅野">' in page and "まだ登録されていません" not in page
    response = staff.post(PAGES + "capacity", data={**form, "area": "泉の"})
    assert response.status_code == 400 and "その名前の地区はありません" in response.get_data(as_text=True)
