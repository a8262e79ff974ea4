"""The console in headless Chromium: the sign-in page, its error, the home page, the bulky-waste booking pages, users
and the audit log meet WCAG 2.1 A/AA as axe-core checks them (JIS X 8341-3 AA, as the widget), with zero
violations; and an admin signs in (failing once) and records a pickup with the keyboard alone.

Needs Debian's chromium and axe-core (`make browser-deps`); without them these tests fail, never skip.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page

from bot.store.migrate import upgrade
from services.booking.config import load_config
from services.booking.fees import load_table
from services.booking.service import BookingStore, Draft
from tests.support.area_support import add_areas
from tests.support.console_support import PASSWORD, add_user
from tests.support.keyboard import focused
from tests.support.widget_browser import assert_no_violations

PICKUP = date(2026, 11, 25)


@pytest.fixture
def booking(bot_env) -> str:
    upgrade(bot_env.database_url)
    add_areas(bot_env.database_url, "泉野", "浅野")
    store = BookingStore(bot_env.database_url, load_config(bot_env.data_dir))
    draft = Draft("泉野", "泉野町1-1", "山田花子", "09012345678", PICKUP, (("sofa", 1),), "sticker", "rest", "web-1")
    add_user(bot_env.database_url, "sato", "admin")
    now = datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    return store.reserve(draft, now, load_table(bot_env.data_dir, bot_env.database_url))[0].number


@pytest.fixture
def page(browser, booking, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server + "/admin/login")
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"


def test_staff_sign_in_and_record_a_pickup_by_keyboard_alone_on_pages_without_violations(page, booking, live_server):
    assert_no_violations(page)  # the sign-in page
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "本文へ移動" and page.locator(".skip-link").is_visible()  # shown when focused
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "name"
    page.keyboard.type("sato")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong password")
    page.keyboard.press("Enter")
    page.get_by_role("alert").wait_for()
    assert "サインインできませんでした" in page.get_by_role("alert").inner_text()
    assert_no_violations(page)  # the sign-in page saying it failed
    page.locator("#password").focus()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="管理画面").wait_for()
    assert_no_violations(page)  # home
    page.goto(f"{live_server}/admin/bookings/?date={PICKUP.isoformat()}")
    assert_no_violations(page)  # a day's bookings
    page.get_by_role("button", name=re.compile(f"^収集済.*{booking}")).focus()  # each button names its booking
    page.keyboard.press("Enter")
    page.get_by_text("収集の状況を記録しました。").wait_for()
    assert "収集済" in page.get_by_role("row", name=booking).inner_text()
    assert_no_violations(page)  # with the notice
    for path in ("/admin/users", "/admin/audit"):
        page.goto(live_server + path)
        assert_no_violations(page)
    assert "booking.mark" in page.locator("main").inner_text()


def test_the_page_refusing_a_role_has_no_violations(page, bot_env, live_server):
    add_user(bot_env.database_url, "ito", "bookings")
    page.get_by_label("ユーザー名").fill("ito")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    page.get_by_role("heading", name="管理画面").wait_for()
    assert page.get_by_role("navigation", name="管理メニュー").inner_text().split() == ["ホーム", "粗大ごみ収集"]
    response = page.goto(live_server + "/admin/users")
    assert response is not None and response.status == 403
    assert "権限がありません" in page.get_by_role("heading", level=1).inner_text()
    assert_no_violations(page)
