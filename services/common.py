"""What actions share: settings from the environment and the city profile. No HTTP here."""
from __future__ import annotations

from functools import lru_cache

from bot import city
from bot.settings import Settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


def profile() -> dict:
    return city.load_city(settings().data_dir)


def previous_turn_actions(tracker) -> list[str]:
    """Names of the actions the bot ran in the turn before the latest user message."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return []
    return [e.get("name") for e in tracker.events[users[-2] + 1:users[-1]] if e.get("event") == "action"]
