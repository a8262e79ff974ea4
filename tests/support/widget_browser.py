"""Drives the web chat widget in Debian's headless Chromium, the way a citizen uses it.

Used by tests/e2e/test_widget_browser.py. Chromium comes from Debian (`make browser-deps`), never
from `playwright install`; axe-core comes from npm (node_modules/axe-core).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

PROJECT_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_DIR / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Longest wait for the bot's answer (the first one loads the model).
REPLY_TIMEOUT_MS = 30_000
MISSING_DEPS = "{} is missing: run `make browser-deps` (Debian's chromium and axe-core from npm)."


def launch_chromium(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise RuntimeError(MISSING_DEPS.format(CHROMIUM))
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@dataclass(frozen=True)
class Say:
    """Type this text and press Enter (where the bot asks for free text)."""

    text: str


@dataclass(frozen=True)
class Choose:
    """Click the offered button whose title contains `label` (None: the first one offered)."""

    label: str | None = None


class ChatWidget:
    """The widget on one page: open it, ask, click choices, and read what it shows."""

    def __init__(self, page: Page):
        self.page = page
        self.launcher = page.locator(".cw-launcher")
        self.panel = page.locator(".cw-panel")
        self.input = page.locator(".cw-input")
        self.bot_messages = page.locator(".cw-msg--bot")
        self.user_messages = page.locator(".cw-msg--user")

    def open(self) -> None:
        """Open the panel and wait for the greeting."""
        self.launcher.click()
        self.panel.wait_for(state="visible")
        self.wait_idle()

    def wait_idle(self, previous_bot_count: int | None = None) -> None:
        """Wait until no request is pending and (if given) a new bot message arrived."""
        self.page.wait_for_function(
            """(n) => { const typing = document.querySelector('.cw-typing');
                        return typing && typing.hidden &&
                               (n === null || document.querySelectorAll('.cw-msg--bot, .cw-msg--notice').length > n); }""",
            arg=previous_bot_count,
            timeout=REPLY_TIMEOUT_MS,
        )
        notices = self.page.locator(".cw-msg--notice")
        if notices.count():
            raise AssertionError(f"The widget showed a notice instead of an answer: {notices.last.inner_text()}")

    def _count(self) -> int:
        return self.page.locator(".cw-msg--bot, .cw-msg--notice").count()

    def ask(self, text: str) -> list[str]:
        """Type a question, press Enter, and return the texts of the bot's reply."""
        before = self._count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_idle(before)
        return self.bot_texts()[before:]

    def choices(self) -> list[str]:
        return [b.inner_text() for b in self.page.locator(".cw-choices button:not([disabled])").all()]

    def choose(self, label: str | None = None) -> list[str]:
        """Click an offered button and return the texts of the bot's reply."""
        offered = self.page.locator(".cw-choices button:not([disabled])")
        button = offered.first if label is None else offered.filter(has_text=label).first
        if not offered.count() or (label is not None and not offered.filter(has_text=label).count()):
            raise AssertionError(
                f"No button {label!r} offered; offered: {self.choices()}; bot said: {self.bot_texts()[-1:]}"
            )
        before = self._count()
        button.click()
        self.wait_idle(before)
        return self.bot_texts()[before:]

    def run(self, steps) -> list[str]:
        """Play a list of Say / Choose steps; return the texts of the last reply."""
        reply: list[str] = []
        for step in steps:
            reply = self.ask(step.text) if isinstance(step, Say) else self.choose(step.label)
        return reply

    def bot_texts(self) -> list[str]:
        """What the bot said, without the 「チャットボット：」 prefix kept for screen readers."""
        return self.page.evaluate("""() => [...document.querySelectorAll('.cw-msg--bot .cw-bubble, .cw-msg--notice .cw-bubble')]
            .map((b) => b.textContent.slice(b.firstChild.textContent.length).trim())""")

    def stored_state(self) -> dict:
        raw = self.page.evaluate(
            "() => Object.keys(localStorage).filter(k => k.startsWith('city-chat-widget:')).map(k => localStorage.getItem(k))[0]"
        )
        return json.loads(raw) if raw else {}

    def run_axe(self) -> list[dict]:
        """WCAG 2.0/2.1 A and AA violations axe-core finds on the whole page."""
        if not AXE_JS.exists():
            raise RuntimeError(MISSING_DEPS.format(AXE_JS))
        # evaluated, not added as a <script>: the page's Content-Security-Policy rightly refuses inline scripts
        self.page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        return result["violations"]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.evaluate("""() => new Promise((done) => {   // let the smooth scroll to the new answer finish
            const log = document.querySelector('.cw-log');
            let last = -1, still = 0;
            const tick = () => { still = log.scrollTop === last ? still + 1 : 0; last = log.scrollTop;
                                 still >= 5 ? done() : requestAnimationFrame(tick); };
            tick(); })""")
        self.page.screenshot(path=str(path))
        return path


def assert_no_violations(page: Page) -> None:
    """Fail, naming each one, if axe-core finds WCAG A/AA violations on the page (any page, not only the widget's)."""
    page.wait_for_load_state()
    violations = ChatWidget(page).run_axe()
    assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(n["html"][:160] for n in v["nodes"][:5])
        for v in violations
    )
