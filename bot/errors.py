"""One exception hierarchy whose messages say what to do next."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class BotError(Exception):
    """Base class for every error the engine raises on purpose."""


class ConfigError(BotError):
    """config.yml, domain.yml, endpoints.yml or an environment variable is wrong."""


class TrainingDataError(BotError):
    """A training data file cannot be read; the message names the file and line."""


class ModelNotFound(BotError):
    """No trained model exists yet."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"No trained model at {path}. Run `python -m bot train` first.")


class ModelFormatError(BotError):
    """The model on disk was written by other code (another format version or components) or is damaged."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Cannot load the model at {path}: {reason}. Retrain with `python -m bot train`.")


class ActionError(BotError):
    """A custom action failed or returned something the engine cannot use."""


class ImportDataError(BotError):
    """An open-data import failed; nothing was changed. `problems` lists (line, message)."""

    def __init__(self, message: str, problems: Iterable[tuple[int, str]] = ()) -> None:
        self.problems = list(problems)
        details = "".join(f"\n  line {line}: {msg}" for line, msg in self.problems[:50])
        more = f"\n  ... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(message + details + more)
