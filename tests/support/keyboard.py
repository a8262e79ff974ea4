"""Keyboard-only use of a page in the browser tests: Tab until the control wanted has the focus."""

from __future__ import annotations

from playwright.sync_api import Page

MAX_TABS = 120  # Tab presses allowed to reach a control: more means it is out of reach for keyboard users

FOCUSED = """() => { const e = document.activeElement;
                     return {id: e.id || '', text: (e.innerText || e.value || '').trim()}; }"""


def focused(page: Page) -> dict[str, str]:
    """The focused control's `id` and `text` (a button's or link's words, a field's value)."""
    return page.evaluate(FOCUSED)


def tab_to(page: Page, name: str = "", element_id: str = "") -> None:
    """Press Tab until the focused control's text (a button's or link's words) is `name`, or its id is
    `element_id`; AssertionError when MAX_TABS presses never reach it."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        control = focused(page)
        if (element_id and control["id"] == element_id) or (name and control["text"] == name):
            return
    raise AssertionError(f"{name or '#' + element_id} is not reachable with Tab")
