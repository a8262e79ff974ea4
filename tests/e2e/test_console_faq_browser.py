"""FAQ curation in real headless Chromium: a staff user signs in, edits an answer and publishes it by keyboard alone,
a citizen gets the new answer from the chat widget, and the entry is rolled back. axe-core finds no WCAG A/AA violation on the FAQ
pages. On a copy of the fixture city's data and model (the repository's files are never written)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from services.faq import index as faq_index
from tests.conftest import FIXTURE_CITY
from tests.support.console_faq import copy_city
from tests.support.console_support import PASSWORD, add_user
from tests.support.keyboard import tab_to
from tests.support.widget_browser import ChatWidget, assert_no_violations

pytestmark = pytest.mark.fixture_city
QUESTION = "戸籍謄本を一通取りたい"
NEW_ANSWER = "戸籍の証明書は、本庁舎1階の新しい証明書窓口でお受けしています（ブラウザ試験）。"


@pytest.fixture
def extra_env(tmp_path, fixture_city):
    return copy_city(FIXTURE_CITY, fixture_city.model_dir, tmp_path)


def ask_widget(browser, base_url: str) -> str:
    """A citizen's fresh browser asks the question through the chat widget; the bot's answer."""
    context = browser.new_context(locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(base_url + "/")
        widget = ChatWidget(page)
        widget.open()
        return "\n".join(widget.ask(QUESTION))
    finally:
        context.close()


def publish(page: Page) -> None:
    page.get_by_role("button", name="未公開の変更をすべて公開する").first.click()
    expect(page.get_by_role("status")).to_contain_text("公開しました", timeout=60_000)


def test_staff_edit_publish_then_the_widget_answers_anew_and_rollback_restores(browser, live_server, bot_env, engine):
    add_user(bot_env.database_url, "tanaka", "staff")
    entry = faq_index.load(bot_env.data_dir).best("certificates_family_register", QUESTION)
    assert entry is not None
    old_reply = ask_widget(browser, live_server)
    assert NEW_ANSWER not in old_reply

    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server + "/admin/faq/")
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FAQ")
    assert_no_violations(page)

    page.get_by_label("キーワード").fill("戸籍")
    page.get_by_role("button", name="絞り込む").click()
    page.get_by_role("link", name=entry.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FAQ項目の編集")
    assert_no_violations(page)
    page.get_by_label("回答", exact=True).fill("")
    page.get_by_role("button", name="保存する（未公開）").click()
    expect(page.get_by_role("alert")).to_contain_text("回答が空です")
    assert_no_violations(page)  # the refused form, its messages included
    # the edit that gets published is made by keyboard alone
    tab_to(page, element_id="answer")
    page.keyboard.press("Control+A")
    page.keyboard.type(NEW_ANSWER)
    tab_to(page, "保存する（未公開）")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("保存しました")
    tab_to(page, "未公開の変更をすべて公開する")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("公開しました", timeout=60_000)
    assert NEW_ANSWER in ask_widget(browser, live_server)

    page.get_by_role("link", name="版の履歴").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("版の履歴")
    assert_no_violations(page)
    entry_versions = page.locator("section.version", has=page.locator("[id^=entry-]"))
    entry_versions.get_by_role("button", name="第1版に戻す").click()
    expect(page.get_by_role("status")).to_contain_text("第1版の内容に戻しました")
    page.get_by_role("link", name="編集に戻る").click()
    publish(page)
    assert ask_widget(browser, live_server) == old_reply

    for path, heading in (("/admin/faq/new", "新しいFAQ項目"), ("/admin/faq/due", "FAQ")):
        page.goto(live_server + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_no_violations(page)

    page.goto(live_server + "/admin/faq/try")
    page.get_by_label("市民の質問の例").fill(QUESTION)
    page.get_by_role("button", name="試す").click()
    expect(page.locator("#try-entry")).to_contain_text(entry.id)
    assert_no_violations(page)
    context.close()
    assert not errors, errors
