"""Runtime settings from environment variables, resolved once at start-up.

Every path is relative to the project directory, so a city swaps its data by pointing
BOT_DATA_DIR elsewhere without touching code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _path(value: str, base: Path) -> Path:
    p = Path(value)
    return p if p.is_absolute() else (base / p)


@dataclass(frozen=True)
class Settings:
    project_dir: Path = PROJECT_DIR
    data_dir: Path = PROJECT_DIR / "data"
    config_file: Path = PROJECT_DIR / "config.yml"
    domain_file: Path = PROJECT_DIR / "domain.yml"
    endpoints_file: Path = PROJECT_DIR / "endpoints.yml"
    model_dir: Path = PROJECT_DIR / "models"
    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'bot.sqlite3'}"
    # Fixed "now" (ISO 8601) for tests and demos; empty means the real clock.
    fixed_now: str = ""
    # Longest user message read; longer ones are truncated and the user is told.
    max_message_chars: int = 1000
    # Extra web origins allowed to call the REST webhook from a browser (comma-separated in BOT_CORS_ORIGINS).
    cors_origins: str = ""

    @classmethod
    def from_env(cls, env=None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        project = Path(env.get("BOT_PROJECT_DIR", str(PROJECT_DIR))).resolve()
        values = dict(
            project_dir=project,
            data_dir=_path(env.get("BOT_DATA_DIR", "data"), project),
            config_file=_path(env.get("BOT_CONFIG", "config.yml"), project),
            domain_file=_path(env.get("BOT_DOMAIN", "domain.yml"), project),
            endpoints_file=_path(env.get("BOT_ENDPOINTS", "endpoints.yml"), project),
            model_dir=_path(env.get("BOT_MODEL_DIR", "models"), project),
            database_url=env.get("BOT_DATABASE_URL") or f"sqlite:///{project / 'var' / 'bot.sqlite3'}",
            fixed_now=env.get("BOT_FIXED_NOW", ""),
            max_message_chars=int(env.get("BOT_MAX_MESSAGE_CHARS", "1000")),
            cors_origins=env.get("BOT_CORS_ORIGINS", ""),
        )
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)
