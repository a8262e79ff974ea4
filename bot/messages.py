"""Texts sent outside a conversation (reminders, payment notices, staff views) from domain.yml responses,
so every Japanese sentence stays in data, filled like any reply: {variables} and {offices.bulky.phone}."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot import city
from bot.dialogue.responses import Responder
from bot.domain import Domain
from bot.errors import ConfigError


@lru_cache(maxsize=4)
def _responder(domain_file: str, mtime: float, data_dir: str) -> Responder:
    return Responder(Domain.load(Path(domain_file)).responses, lambda: city.load_city(Path(data_dir)))


def render_message(settings, name: str, channel: str = "rest", **values) -> dict:
    """The response as a message: text and its buttons."""
    path = Path(settings.domain_file)
    message = _responder(str(path), path.stat().st_mtime, str(settings.data_dir)).render(name, {}, channel, values)
    if not message or not message.get("text"):
        raise ConfigError(f"{path} has no text response `{name}`.")
    return message


def render(settings, name: str, channel: str = "rest", **values) -> str:
    return render_message(settings, name, channel, **values)["text"]
