"""domain.yml responses as plain text, for what is not a bot message of a conversation turn.

In a turn nothing but the engine renders: an action sends a response's name and its values, and the processor
renders it (bot/dialogue/processor.py). Everything else comes here, so every Japanese sentence stays in data:
messages sent outside a conversation (reminders, payment notices), words that become part of other data (a
booking's status word inside its summary card, the staff's CSV headings) and the texts of web pages. It is the
same Responder as the engine's (bot/dialogue/responses.py), filled the same way ({variables} and
{offices.bulky.phone}), but built from domain.yml and the city profile on disk, since a reminder job, the staff
pages and an action server run without the trained model; a changed domain.yml is read again.
"""

from __future__ import annotations

from pathlib import Path

from bot import city
from bot.dialogue.responses import Responder
from bot.domain import Domain
from bot.errors import ConfigError
from bot.filecache import FileCache


def _responder(domain_file: Path, data_dir: Path) -> Responder:
    return Responder(Domain.load(domain_file).responses, lambda: city.load_city(data_dir))


_RESPONDERS = FileCache(_responder, maxsize=4)


def render(settings, name: str, channel: str = "rest", **values) -> str:
    """The text of response `name` for `channel`, filled from `values` and the city profile."""
    path = Path(settings.domain_file)
    message = _RESPONDERS.get([path], path, Path(settings.data_dir)).render(name, {}, channel, values)
    if not message or not message.get("text"):
        raise ConfigError(f"{path} has no text response `{name}`.")
    return message["text"]
