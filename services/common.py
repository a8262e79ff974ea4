"""What actions share: settings from the environment and the city profile. No HTTP here."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot import city
from bot.settings import Settings, current


def settings() -> Settings:
    """The settings of this process's environment: actions may run out of process (`python -m rasa_sdk`), where
    the environment is all they share with the bot. Cheap per call; a changed environment is seen at once."""
    return current()


def profile() -> dict[str, Any]:
    return city.load_city(settings().data_dir)


def previous_turn_actions(tracker: Tracker) -> list[str]:
    """Names of the actions the bot ran in the turn before the latest user message."""
    users = _user_events(tracker)
    return _action_names(tracker.events[users[-2] + 1 : users[-1]]) if len(users) >= 2 else []


def previous_turn_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the turn before the latest user message; when the stored tracker no longer holds the message
    that began that turn (it keeps the latest events only), those of it that it holds."""
    users = _user_events(tracker)
    if not users:
        return []
    return tracker.events[users[-2] + 1 if len(users) >= 2 else 0 : users[-1]]


def this_turn_actions(tracker: Tracker) -> list[str]:
    """Names of the actions the bot has run since the latest user message, in order."""
    users = _user_events(tracker)
    return _action_names(tracker.events[users[-1] + 1 if users else 0 :])


def _user_events(tracker: Tracker) -> list[int]:
    return [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]


def _action_names(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("name") or "" for e in events if e.get("event") == "action"]
