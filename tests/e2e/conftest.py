"""The e2e tests' browser: Debian's headless Chromium, one per test module (tests/support/widget_browser.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.support.widget_browser import launch_chromium


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
