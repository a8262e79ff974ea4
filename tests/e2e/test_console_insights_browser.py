"""The analysts' console pages in real headless Chromium (issue 13, points 3-5): signed in through the form, the
queue, the low-margin list and the dashboard have no axe-core violations (WCAG 2.1 A/AA), and a group of questions
is taken out of the queue by keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.conftest import FIXTURE_CITY
from tests.support.console_faq import copy_city
from tests.support.console_support import PASSWORD, add_user
from tests.support.insights_support import add_booking, add_misses, add_turns, at, fallback, turn
from tests.support.keyboard import tab_to
from tests.support.widget_browser import ARTIFACTS, assert_no_violations

pytestmark = pytest.mark.fixture_city


@pytest.fixture
def extra_env(tmp_path, fixture_city):
    return copy_city(FIXTURE_CITY, fixture_city.model_dir, tmp_path)


@pytest.fixture
def page(browser, bot_env, engine, live_server):
    """An analyst signed in by keyboard, over a database with queued questions, answers and bookings."""
    url = bot_env.database_url
    add_turns(
        url,
        [
            fallback("図書館の開館時間を教えて", at("2026-11-18")),
            fallback("図書館は何時まで開いていますか", at("2026-11-19")),
            fallback("駐車場はありますか", at("2026-11-19")),
            turn("住民票がほしい", at("2026-11-19"), "certificates_residence_record", feedback="helpful"),
            turn("住民票の写し", at("2026-11-19"), "certificates_residence_record", 0.41, feedback="not_helpful"),
        ],
    )
    add_misses(url, [("電子レンジ", at("2026-11-19"))])
    add_booking(url, "SD-0000-0001", at("2026-11-18"), "online", payments=("paid",))
    add_user(url, "analyst1", "analyst")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server + "/admin/queue/")
    page.get_by_label("ユーザー名").focus()
    page.keyboard.type("analyst1")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="未回答キュー", level=1).wait_for()
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_the_analysts_pages_pass_axe_and_work_by_keyboard(page, live_server):
    screenshot(page, "console-queue.png")
    assert_no_violations(page)
    progress = page.locator("#progress-text")
    assert "対処済み 0 件" in progress.inner_text()

    tab_to(page, "キューから外す")  # the first group's: the library questions, asked most
    page.keyboard.press("Enter")
    page.get_by_role("status").get_by_text("キューから外しました").wait_for()
    assert "図書館" not in page.locator("main").inner_text()
    assert "対処済み 2 件" in progress.inner_text()
    assert_no_violations(page)

    tab_to(page, "ダッシュボード")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="ダッシュボード", level=1).wait_for()
    assert page.get_by_role("img", name="回答率（回答できた質問 ÷ 全質問）（グラフ）").count() == 1
    screenshot(page, "console-dashboard.png")
    assert_no_violations(page)

    page.goto(live_server + "/admin/queue/answered")
    assert "住民票の写し" in page.locator("table").inner_text()
    assert_no_violations(page)
