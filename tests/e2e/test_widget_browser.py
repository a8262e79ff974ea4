"""The web chat widget in real headless Chromium against the live demo bot (issue 6).

Needs Debian's chromium and axe-core (`make browser-deps`); without them these tests fail, never skip.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest

from bot.city import load_city
from bot.settings import Settings
from tests.support.widget_browser import ChatWidget, Choose, Say, assert_no_violations

PET_BOTTLE_QUESTION = "ペットボトルは何ごみ？"
# The answer names this category (key under garbage_categories in data/city.yml).
PET_BOTTLE_CATEGORY = "recyclable"
# The bulky-waste booking, as a citizen would do it: buttons where the bot offers them, text where it asks.
# Adjust the inputs here when the booking form's questions change.
BOOKING_STEPS = [
    Say("粗大ごみの収集を申し込みたい"),
    Choose("ソファー"),  # item
    Say("泉野町3丁目5-1"),  # address (an area of the demo city's open data)
    Choose(None),  # the first collection date offered
    Say("山田太郎"),  # name
    Say("090-1234-5678"),  # phone
    Choose("処理券"),  # payment by sticker
    Choose("この内容で申し込む"),  # confirmation
]
BOOKING_DONE = "受付番号"


@pytest.fixture()
def page(browser, demo_data, live_server):
    """A fresh browser profile (empty storage) on the demo city page; fails on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server + "/")
    page.locator(".cw-launcher").wait_for(state="visible")
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture()
def widget(page):
    return ChatWidget(page)


def garbage_category_name(key: str) -> str:
    return load_city(Settings.from_env().data_dir)["garbage_categories"][key]


def test_answers_pet_bottle_question_and_takes_feedback(widget):
    widget.open()
    reply = widget.ask(PET_BOTTLE_QUESTION)

    assert widget.user_messages.last.inner_text().endswith(PET_BOTTLE_QUESTION)
    assert any(garbage_category_name(PET_BOTTLE_CATEGORY) in text for text in reply), reply
    answer = widget.bot_messages.last
    answer.get_by_role("button", name="役に立った", exact=True).click()
    widget.page.get_by_text("ご意見ありがとうございました。").wait_for()
    assert answer.get_by_role("button", name="役に立った", exact=True).get_attribute("aria-pressed") == "true"
    assert answer.get_by_role("button", name="役に立たなかった").get_attribute("aria-pressed") == "false"


def test_history_survives_reload_and_start_over_clears_it(widget):
    page = widget.page
    widget.open()
    widget.ask(PET_BOTTLE_QUESTION)
    sender = widget.stored_state()["sender"]
    texts = widget.bot_texts()

    page.reload()
    assert widget.panel.is_visible(), "the panel stays open across a reload"
    assert widget.bot_texts() == texts
    assert widget.stored_state()["sender"] == sender

    page.get_by_role("button", name="最初からやり直す").click()
    widget.wait_idle()
    assert widget.user_messages.count() == 0
    assert widget.stored_state()["sender"] != sender
    assert page.evaluate("document.activeElement.classList.contains('cw-input')")


def test_bulky_waste_booking_by_buttons(widget):
    widget.open()
    reply = widget.run(BOOKING_STEPS)
    assert any(BOOKING_DONE in text for text in reply), reply
    clicked = [s.label for s in BOOKING_STEPS if isinstance(s, Choose) and s.label]
    shown = widget.user_messages.all_inner_texts()
    assert all(any(label in text for text in shown) for label in clicked), "button titles appear as the user's bubbles"


def _focused(page, selector: str) -> bool:
    return page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector)


def _tab_until(page, selector: str, key: str = "Tab", limit: int = 40) -> None:
    for _ in range(limit):
        if _focused(page, selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never got the focus with {key}")


def test_keyboard_only(widget):
    page = widget.page
    _tab_until(page, ".cw-launcher")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "focus is visible"
    page.keyboard.press("Enter")
    widget.wait_idle()
    assert _focused(page, ".cw-input"), "opening the panel puts the focus in the message box"

    # A choice offered by the greeting, reached and pressed by keyboard.
    _tab_until(page, ".cw-choices button:not([disabled])", key="Shift+Tab")
    title = page.evaluate("document.activeElement.textContent")
    before = widget.bot_messages.count()
    page.keyboard.press("Enter")
    widget.wait_idle(before)
    assert widget.user_messages.last.inner_text().endswith(title)
    assert _focused(page, ".cw-input"), "after a choice the focus returns to the message box"

    page.keyboard.type(PET_BOTTLE_QUESTION)
    before = widget.bot_messages.count()
    page.keyboard.press("Enter")
    widget.wait_idle(before)
    _tab_until(page, ".cw-msg--bot:last-child .cw-feedback button", key="Shift+Tab")
    page.keyboard.press("Space")
    page.get_by_text("ご意見ありがとうございました。").wait_for()

    _tab_until(page, ".cw-tool--large", key="Shift+Tab")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.cw-root')).fontSize)")
    page.keyboard.press("Enter")
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.cw-root')).fontSize)") > size

    page.keyboard.press("Escape")
    assert not widget.panel.is_visible()
    assert _focused(page, ".cw-launcher"), "closing the panel returns the focus to the launcher"


@pytest.mark.parametrize("width, height", [(1280, 800), (375, 667)])
def test_axe_finds_no_wcag_violations_and_screenshots(widget, width, height):
    page = widget.page
    page.set_viewport_size({"width": width, "height": height})
    widget.open()
    widget.ask(PET_BOTTLE_QUESTION)
    widget.screenshot(f"widget-{width}.png")
    assert_no_violations(page)


@pytest.mark.parametrize("width, height, large_text", [(320, 568, False), (640, 400, True)])
def test_small_screens_and_200_percent_zoom_lose_nothing(widget, width, height, large_text):
    """320 px wide, and 1280x800 at 200% zoom (640x400 CSS px) with the larger text on top."""
    page = widget.page
    page.set_viewport_size({"width": width, "height": height})
    widget.open()
    if large_text:
        page.get_by_role("button", name="文字を大きく").click()
    widget.ask(PET_BOTTLE_QUESTION)
    widget.screenshot(f"widget-{width}x{height}{'-large' if large_text else ''}.png")
    overflow = page.evaluate("""() => {
        const panel = document.querySelector('.cw-panel').getBoundingClientRect();
        const wide = [...document.querySelectorAll('.cw-panel *')].filter(e => e.scrollWidth > e.clientWidth + 1
              && getComputedStyle(e).overflowX !== 'hidden' && !e.classList.contains('cw-vh'));
        return {panelRight: panel.right, panelLeft: panel.left, wide: wide.map(e => e.className)};
    }""")
    assert overflow["panelLeft"] >= 0 and overflow["panelRight"] <= width, overflow
    assert overflow["wide"] == [], f"content cut off horizontally: {overflow}"
    for control in ("最初からやり直す", "閉じる", "送信"):
        page.get_by_role("button", name=control).scroll_into_view_if_needed()
        assert page.get_by_role("button", name=control).is_visible()


def test_respects_reduced_motion(browser, live_server):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(live_server + "/")
    page.locator(".cw-launcher").wait_for(state="visible")
    assert page.evaluate("getComputedStyle(document.querySelector('.cw-dots span')).animationName") == "none"
    context.close()


def test_quiet_retry_when_the_network_fails(widget):
    page = widget.page
    widget.open()
    failures = []

    def fail_once(route):
        if not failures:
            failures.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/widget/webhook", fail_once)
    reply = widget.ask(PET_BOTTLE_QUESTION)
    assert failures and reply, "the widget retried after the failure and showed the answer"


def test_polite_notice_and_resend_when_the_network_stays_down(widget):
    page = widget.page
    widget.open()
    page.route("**/widget/webhook", lambda route: route.abort("internetdisconnected"))
    widget.input.fill(PET_BOTTLE_QUESTION)
    widget.input.press("Enter")
    notice = page.locator(".cw-msg--notice")
    notice.wait_for(timeout=15_000)  # after the quiet retries (1 + 2 + 4 s)
    assert "通信できませんでした" in notice.inner_text()

    page.unroute("**/widget/webhook")
    before = widget.bot_messages.count()
    notice.get_by_role("button", name="もう一度送信する").click()
    widget.wait_idle(before)
    assert widget.user_messages.count() == 1, "the question is sent again, not shown twice"
    assert _focused(page, ".cw-input")


def test_text_is_inserted_as_text_never_as_html(widget):
    page = widget.page
    widget.open()
    hostile = '<img src=x onerror="window.__hacked=1">タグ'
    widget.ask(hostile)
    assert widget.user_messages.last.inner_text().endswith(hostile)
    assert page.locator(".cw-log img").count() == 0
    assert page.evaluate("window.__hacked === undefined")


def embedding_page(browser, live_server, attributes: str):
    """A city page at the bot's origin whose one script tag carries `attributes`."""
    context = browser.new_context()
    page = context.new_page()
    html = f'<!DOCTYPE html><html lang="ja"><title>埋め込み</title><body><script src="/widget.js" {attributes}></script></body></html>'
    page.route(live_server + "/embedding-test", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(live_server + "/embedding-test")
    page.locator(".cw-launcher").wait_for(state="visible")
    return context, page


def test_low_contrast_colours_fall_back_to_accessible_defaults(browser, live_server):
    """A city page that embeds the widget with a pale colour still gets readable contrast."""
    context, page = embedding_page(browser, live_server, 'data-primary-color="#cccccc" data-accent-color="#0b5394"')
    colours = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.cw-root'));
        return [s.getPropertyValue('--cw-primary').trim(), s.getPropertyValue('--cw-accent').trim()]; }""")
    assert colours == ["#1d5a8c", "#0b5394"]
    context.close()


def test_easy_japanese_switch_only_where_the_content_exists(widget, browser, live_server):
    widget.open()
    assert widget.page.get_by_role("button", name="ふりがな・やさしい日本語").count() == 0, "off in the demo city.yml"

    context, page = embedding_page(browser, live_server, 'data-easy-japanese="available"')
    page.locator(".cw-launcher").click()
    switch = page.get_by_role("button", name="ふりがな・やさしい日本語")
    assert switch.get_attribute("aria-pressed") == "false", "off until the citizen turns it on"
    switch.click()
    with page.expect_request(
        lambda r: r.url.endswith("/webhook") and PET_BOTTLE_QUESTION in (r.post_data or "")
    ) as sent:
        page.locator(".cw-input").fill(PET_BOTTLE_QUESTION)
        page.locator(".cw-input").press("Enter")
    assert sent.value.post_data_json["metadata"]["easy_japanese"] is True
    context.close()


def test_a_reminder_waiting_in_the_outbox_appears_when_the_widget_opens(widget, page, engine, app):
    from bot import outbox

    widget.open()
    widget.wait_idle()  # the greeting: by then the bot has given this browser its id
    signed = widget.stored_state()["sender"]
    sender = app.extensions["widget_signer"].unsign(signed).decode()
    reminder = "【リマインダー】明日は粗大ごみの収集日です。"
    outbox.add(engine.settings.database_url, sender, reminder, "test-reminder", channel="widget")
    page.keyboard.press("Escape")  # close, then open again: an opening widget checks its outbox
    widget.launcher.click()
    # the message bubble (the screen readers' live region repeats the text while it is announced)
    page.locator(".cw-bubble", has_text=reminder).wait_for(timeout=10_000)


def test_an_id_the_bot_did_not_issue_is_replaced_and_the_chat_goes_on(widget, page):
    """A widget of an earlier version (its own "web-…" id) or a forged id: the bot refuses it, the widget asks for
    a new one and the question is answered."""
    key = "city-chat-widget:" + page.evaluate("location.origin")  # the widget's storage key on the bot's own page
    forged = {"sender": "web-00000000-0000-4000-8000-000000000000", "messages": [], "open": False}
    page.evaluate("([k, v]) => localStorage.setItem(k, JSON.stringify(v))", [key, forged])
    page.reload()
    widget.open()
    reply = widget.ask(PET_BOTTLE_QUESTION)
    assert any(garbage_category_name(PET_BOTTLE_CATEGORY) in text for text in reply), reply
    assert widget.stored_state()["sender"] not in (None, forged["sender"])
