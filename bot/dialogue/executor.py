"""Custom action execution: in-process through rasa_sdk's ActionExecutor, or on a rasa_sdk action server.

Both speak the same action-call JSON, so an action behaves identically either way.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from ..errors import ActionError

log = logging.getLogger(__name__)


class ActionRejected(Exception):
    """The action (usually a form validator) declined to run: other policies may predict instead."""


@dataclass
class ActionResult:
    events: list[dict[str, Any]]
    responses: list[dict[str, Any]]


class Executor(Protocol):
    """Runs custom actions by name, wherever they live."""

    def names(self) -> set[str]: ...

    def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult: ...


def action_call(name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> dict[str, Any]:
    return {
        "next_action": name,
        "sender_id": tracker["sender_id"],
        "tracker": tracker,
        "domain": domain,
        "version": "3.6.21",
    }


class InProcessExecutor:
    def __init__(self, package: str = "actions") -> None:
        from rasa_sdk.executor import ActionExecutor

        self.executor = ActionExecutor()
        self.executor.register_package(package)
        self._local = threading.local()

    def names(self) -> set[str]:
        return set(self.executor.actions)

    def _loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None:
            loop = asyncio.new_event_loop()
            self._local.loop = loop
        return loop

    def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        from rasa_sdk.interfaces import ActionExecutionRejection

        if name not in self.executor.actions:
            raise ActionError(f"No custom action named `{name}` in the actions package.")
        try:
            result = self._loop().run_until_complete(self.executor.run(action_call(name, tracker, domain)))
        except ActionExecutionRejection as exc:
            raise ActionRejected(str(exc)) from exc
        assert result is not None  # rasa_sdk returns None only for a call that names no action
        return ActionResult(list(result.events), list(result.responses))


class RemoteExecutor:
    """Calls `python -m rasa_sdk --actions actions` (or any Rasa action server) over HTTP."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        self._names: set[str] | None = None

    def names(self) -> set[str]:
        if self._names is None:
            base = self.url.rsplit("/webhook", 1)[0]
            try:
                resp = self.session.get(base + "/actions", timeout=self.timeout)
                self._names = {a["name"] for a in resp.json()}
            except (requests.RequestException, ValueError, KeyError, TypeError):
                return set()
        return self._names

    def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        try:
            resp = self.session.post(self.url, json=action_call(name, tracker, domain), timeout=self.timeout)
        except requests.RequestException as exc:
            raise ActionError(f"The action server at {self.url} did not answer for `{name}`: {exc}") from exc
        if resp.status_code == 400:
            raise ActionRejected(resp.json().get("error", ""))
        if resp.status_code != 200:
            raise ActionError(f"The action server answered {resp.status_code} for `{name}`.")
        body = resp.json()
        return ActionResult(body.get("events") or [], body.get("responses") or [])


def make_executor(endpoints: dict[str, Any] | None) -> InProcessExecutor | RemoteExecutor:
    url = ((endpoints or {}).get("action_endpoint") or {}).get("url")
    return RemoteExecutor(url) if url else InProcessExecutor()
