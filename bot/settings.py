"""Runtime settings: every environment variable the bot reads is read here, and only here, and checked at start-up.

The rest of the code receives a `Settings` (the Flask app keeps it in app.config["BOT_SETTINGS"], CLI commands
get it as an argument, actions call services.common.settings()). A wrong value fails at start-up with a
ConfigError naming the variable and what it takes. README "Configuration" lists them all.

Every path is relative to the project directory, so a city swaps its data by pointing BOT_DATA_DIR elsewhere
without touching code; config.yml, domain.yml and endpoints.yml in that folder, when there, replace the project's. An unset variable and an empty one mean the same: the default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5005"
DEFAULT_LINE_API_BASE_URL = "https://api.line.me"
DEFAULT_RATE_LIMIT_PER_SENDER = "30/minute"
DEFAULT_RATE_LIMIT_PER_IP = "120/minute"
DEFAULT_HSTS_MAX_AGE = 365 * 24 * 3600
DEFAULT_CONSOLE_HOST = "127.0.0.1"
DEFAULT_CONSOLE_IDLE_MINUTES = 30
DEFAULT_CONSOLE_SIGNIN_LIMIT = "10/15 minutes"
_RATE_LIMIT_STORAGE = re.compile(r"^(memory|redis|rediss|redis\+unix|redis\+sentinel)://")
_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


@dataclass(frozen=True)
class Settings:
    # BOT_PROJECT_DIR: the folder that relative paths below are read from
    project_dir: Path = PROJECT_DIR
    # BOT_DATA_DIR: the city's data (city.yml, faq/, nlu/, rules/, open data)
    data_dir: Path = PROJECT_DIR / "data"
    # BOT_CONFIG: the NLU pipeline and policies
    config_file: Path = PROJECT_DIR / "config.yml"
    # BOT_DOMAIN: intents, slots, responses, forms, actions
    domain_file: Path = PROJECT_DIR / "domain.yml"
    # BOT_ENDPOINTS: the action server's URL (actions run in-process without one)
    endpoints_file: Path = PROJECT_DIR / "endpoints.yml"
    # BOT_MODEL_DIR: the trained models
    model_dir: Path = PROJECT_DIR / "models"
    # BOT_DATABASE_URL: SQLAlchemy URL of the conversations, bookings and open data
    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'bot.sqlite3'}"
    # BOT_FIXED_NOW: a fixed "now" for tests and demos (without an offset: in the city's time zone); None: real time
    fixed_now: datetime | None = None
    # BOT_MAX_MESSAGE_CHARS: longest user message read; longer ones are truncated and the user is told
    max_message_chars: int = 1000
    # BOT_MAX_METADATA_BYTES: largest `metadata` of a message (its JSON in UTF-8); larger ones are refused
    max_metadata_bytes: int = 2048
    # BOT_MAX_METADATA_DEPTH: deepest nesting of objects and lists in `metadata` (the object itself is 1)
    max_metadata_depth: int = 5
    # BOT_MAX_STATE_BYTES: largest stored conversation state; its oldest events are dropped to fit (turns keep them)
    max_state_bytes: int = 65536
    # BOT_DB_STARTUP_TIMEOUT: seconds to wait at start-up for the database to answer, retrying; 0: try once
    db_startup_timeout: int = 30
    # BOT_SECRET_KEY: signs the ids the web widget gets (bot.secret); empty: one generated under var/
    secret_key: str = ""
    # BOT_CORS_ORIGINS: extra web origins (comma-separated) allowed to call the bot from a browser
    cors_origins: str = ""
    # BOT_ENV: `development` or `production` (production never makes up a secret)
    environment: str = "development"
    # BOT_PUBLIC_URL: where citizens and payment providers reach this bot (payment pages and callbacks)
    public_url: str = DEFAULT_PUBLIC_URL
    # PAYMENT_SANDBOX_SECRET: HMAC key of the payment sandbox's callbacks; empty: one generated under var/
    payment_sandbox_secret: str = ""
    # LINE_CHANNEL_SECRET: verifies LINE's webhook calls; empty: the LINE webhook answers 503
    line_channel_secret: str = ""
    # LINE_CHANNEL_ACCESS_TOKEN: the LINE channel's long-lived token for replies and pushes
    line_channel_access_token: str = ""
    # LINE_API_BASE_URL: the Messaging API host (tests point it at a stand-in)
    line_api_base_url: str = DEFAULT_LINE_API_BASE_URL
    # BOT_RATE_LIMIT_STORAGE_URL: where rate-limit counts live; empty: this process's memory; redis://host:6379/0 so
    # that the limits hold across workers and hosts
    rate_limit_storage_url: str = ""
    # BOT_RATE_LIMIT_PER_SENDER: chat requests one conversation (the body's `sender`) may send, e.g. `30/minute`
    rate_limit_per_sender: str = DEFAULT_RATE_LIMIT_PER_SENDER
    # BOT_RATE_LIMIT_PER_IP: requests one client address may send (LINE's webhook and payment callbacks are exempt)
    rate_limit_per_ip: str = DEFAULT_RATE_LIMIT_PER_IP
    # BOT_TRUSTED_PROXIES: reverse proxies in front of the bot whose X-Forwarded-For and -Proto are believed
    trusted_proxies: int = 0
    # BOT_HSTS_MAX_AGE: seconds a browser keeps to https after an https response; 0: no Strict-Transport-Security
    hsts_max_age: int = DEFAULT_HSTS_MAX_AGE
    # BOT_CONSOLE_PORT: a second listener for the staff console (/admin) alone, which the citizens' listener then
    # refuses (404); 0: the console is served on the one listener with everything else
    console_port: int = 0
    # BOT_CONSOLE_HOST: the console listener's address (an internal one; only with BOT_CONSOLE_PORT)
    console_host: str = DEFAULT_CONSOLE_HOST
    # BOT_CONSOLE_IDLE_MINUTES: a console session unused this long is signed out
    console_idle_minutes: int = DEFAULT_CONSOLE_IDLE_MINUTES
    # BOT_CONSOLE_SIGNIN_LIMIT: failed console sign-ins one client address may make (then 429 until the window passes)
    console_signin_limit: str = DEFAULT_CONSOLE_SIGNIN_LIMIT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from `env` (default: the process environment), checked; `overrides` are typed values."""
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return (env.get(name) or "").strip() or default

        project = _folder("BOT_PROJECT_DIR", Path(get("BOT_PROJECT_DIR", str(PROJECT_DIR))).resolve())
        data_dir = _folder("BOT_DATA_DIR", _path(get("BOT_DATA_DIR", "data"), project))
        values: dict[str, Any] = {
            "project_dir": project,
            "data_dir": data_dir,
            "config_file": _file("BOT_CONFIG", _city_file(get("BOT_CONFIG"), "config.yml", data_dir, project)),
            "domain_file": _file("BOT_DOMAIN", _city_file(get("BOT_DOMAIN"), "domain.yml", data_dir, project)),
            "endpoints_file": _city_file(get("BOT_ENDPOINTS"), "endpoints.yml", data_dir, project),
            "model_dir": _path(get("BOT_MODEL_DIR", "models"), project),
            "database_url": _database_url(get("BOT_DATABASE_URL", f"sqlite:///{project / 'var' / 'bot.sqlite3'}")),
            "fixed_now": _iso_time("BOT_FIXED_NOW", get("BOT_FIXED_NOW")),
            "max_message_chars": _whole_number("BOT_MAX_MESSAGE_CHARS", get("BOT_MAX_MESSAGE_CHARS", "1000")),
            "max_metadata_bytes": _whole_number("BOT_MAX_METADATA_BYTES", get("BOT_MAX_METADATA_BYTES", "2048")),
            "max_metadata_depth": _whole_number("BOT_MAX_METADATA_DEPTH", get("BOT_MAX_METADATA_DEPTH", "5")),
            "max_state_bytes": _whole_number("BOT_MAX_STATE_BYTES", get("BOT_MAX_STATE_BYTES", "65536"), 16384),
            "db_startup_timeout": _whole_number("BOT_DB_STARTUP_TIMEOUT", get("BOT_DB_STARTUP_TIMEOUT", "30"), 0),
            "secret_key": get("BOT_SECRET_KEY"),
            "cors_origins": get("BOT_CORS_ORIGINS"),
            "environment": _one_of("BOT_ENV", get("BOT_ENV", ENVIRONMENTS[0]).lower(), ENVIRONMENTS),
            "public_url": _url("BOT_PUBLIC_URL", get("BOT_PUBLIC_URL", DEFAULT_PUBLIC_URL)),
            "payment_sandbox_secret": get("PAYMENT_SANDBOX_SECRET"),
            "line_channel_secret": get("LINE_CHANNEL_SECRET"),
            "line_channel_access_token": get("LINE_CHANNEL_ACCESS_TOKEN"),
            "line_api_base_url": _url("LINE_API_BASE_URL", get("LINE_API_BASE_URL", DEFAULT_LINE_API_BASE_URL)),
            "rate_limit_storage_url": _rate_limit_storage(get("BOT_RATE_LIMIT_STORAGE_URL")),
            "rate_limit_per_sender": _rate_limit(
                "BOT_RATE_LIMIT_PER_SENDER", get("BOT_RATE_LIMIT_PER_SENDER", DEFAULT_RATE_LIMIT_PER_SENDER)
            ),
            "rate_limit_per_ip": _rate_limit(
                "BOT_RATE_LIMIT_PER_IP", get("BOT_RATE_LIMIT_PER_IP", DEFAULT_RATE_LIMIT_PER_IP)
            ),
            "trusted_proxies": _whole_number("BOT_TRUSTED_PROXIES", get("BOT_TRUSTED_PROXIES", "0"), minimum=0),
            "hsts_max_age": _whole_number(
                "BOT_HSTS_MAX_AGE", get("BOT_HSTS_MAX_AGE", str(DEFAULT_HSTS_MAX_AGE)), minimum=0
            ),
            "console_port": _port("BOT_CONSOLE_PORT", get("BOT_CONSOLE_PORT", "0")),
            "console_host": get("BOT_CONSOLE_HOST", DEFAULT_CONSOLE_HOST),
            "console_idle_minutes": _whole_number(
                "BOT_CONSOLE_IDLE_MINUTES", get("BOT_CONSOLE_IDLE_MINUTES", str(DEFAULT_CONSOLE_IDLE_MINUTES))
            ),
            "console_signin_limit": _rate_limit(
                "BOT_CONSOLE_SIGNIN_LIMIT", get("BOT_CONSOLE_SIGNIN_LIMIT", DEFAULT_CONSOLE_SIGNIN_LIMIT)
            ),
        }
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    def check_production(self) -> None:
        """What production needs beyond well-formed values, checked when the server starts (connectors.create_app;
        each feature checks its own configuration too): raises ConfigError naming every variable to fix."""
        if not self.production:
            return
        problems = []
        if not self.public_url.startswith("https://"):
            problems.append(
                f"BOT_PUBLIC_URL must be the bot's https:// address (payment links and callbacks are built on it), "
                f"not {self.public_url!r}."
            )
        if problems:
            raise ConfigError("BOT_ENV=production refuses to start:\n  " + "\n  ".join(problems))

    @property
    def production(self) -> bool:
        return self.environment == "production"


# Every variable Settings.from_env reads (README "Configuration" documents each; tests check both lists agree).
VARIABLES = (
    "BOT_PROJECT_DIR",
    "BOT_DATA_DIR",
    "BOT_CONFIG",
    "BOT_DOMAIN",
    "BOT_ENDPOINTS",
    "BOT_MODEL_DIR",
    "BOT_DATABASE_URL",
    "BOT_FIXED_NOW",
    "BOT_MAX_MESSAGE_CHARS",
    "BOT_MAX_METADATA_BYTES",
    "BOT_MAX_METADATA_DEPTH",
    "BOT_MAX_STATE_BYTES",
    "BOT_DB_STARTUP_TIMEOUT",
    "BOT_SECRET_KEY",
    "BOT_CORS_ORIGINS",
    "BOT_ENV",
    "BOT_PUBLIC_URL",
    "PAYMENT_SANDBOX_SECRET",
    "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN",
    "LINE_API_BASE_URL",
    "BOT_RATE_LIMIT_STORAGE_URL",
    "BOT_RATE_LIMIT_PER_SENDER",
    "BOT_RATE_LIMIT_PER_IP",
    "BOT_TRUSTED_PROXIES",
    "BOT_HSTS_MAX_AGE",
    "BOT_CONSOLE_PORT",
    "BOT_CONSOLE_HOST",
    "BOT_CONSOLE_IDLE_MINUTES",
    "BOT_CONSOLE_SIGNIN_LIMIT",
)


def environment_for(settings: Settings) -> dict[str, str]:
    """The process environment with `settings`' folders, files and database: what a `bot` command run as a child
    process (a retraining, say) needs in order to work on the same city as this process."""
    return {
        **os.environ,
        "BOT_PROJECT_DIR": str(settings.project_dir),
        "BOT_DATA_DIR": str(settings.data_dir),
        "BOT_CONFIG": str(settings.config_file),
        "BOT_DOMAIN": str(settings.domain_file),
        "BOT_MODEL_DIR": str(settings.model_dir),
        "BOT_DATABASE_URL": settings.database_url,
    }


@contextmanager
def overriding(**values: str) -> Iterator[None]:
    """The process environment with `values` set, restored afterwards: actions run in process read their settings
    from the environment (`current`), so a command that runs turns on other settings (a throwaway database) sets
    them here. Not for a server: the environment is the whole process's."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def current() -> Settings:
    """Settings of the process environment as it is now: built once per distinct set of values, so a call costs
    a few dictionary look-ups, and a changed environment is seen without clearing anything."""
    return _cached(tuple(os.environ.get(name) for name in VARIABLES))


@lru_cache(maxsize=8)
def _cached(values: tuple[str | None, ...]) -> Settings:
    return Settings.from_env({name: value for name, value in zip(VARIABLES, values, strict=True) if value is not None})


def _city_file(value: str, name: str, data_dir: Path, project: Path) -> Path:
    """The variable's file when set; else the city's own copy in its data folder when it has one (a city that
    changes its pipeline, domain or endpoints keeps them with its data); else the project's."""
    if value:
        return _path(value, project)
    return data_dir / name if (data_dir / name).is_file() else project / name


def _path(value: str, base: Path) -> Path:
    p = Path(value)
    return p if p.is_absolute() else (base / p)


def _folder(name: str, path: Path) -> Path:
    if not path.is_dir():
        raise ConfigError(f"{name}: no folder at {path}. Unset it for the default, or point it at an existing folder.")
    return path


def _file(name: str, path: Path) -> Path:
    if not path.is_file():
        raise ConfigError(f"{name}: no file at {path}. Unset it for the default, or point it at an existing file.")
    return path


def _database_url(value: str) -> str:
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
        raise ConfigError(
            f"BOT_DATABASE_URL must be an SQLAlchemy URL starting sqlite:/// or postgresql://, "
            f"not {value.split('://', 1)[0]!r}..."
        )
    return value


def _iso_time(name: str, value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{name} must be an ISO 8601 time such as 2026-11-20T10:00:00+09:00, not {value!r}."
        ) from None


def _whole_number(name: str, value: str, minimum: int = 1) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ConfigError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return number


def _port(name: str, value: str) -> int:
    """A TCP port, or 0 for none."""
    number = _whole_number(name, value, minimum=0)
    if number > 65535:
        raise ConfigError(f"{name} must be a TCP port (1 to 65535), or 0 or unset for none, not {value!r}.")
    return number


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")
    return value


def _rate_limit(name: str, value: str) -> str:
    """A Flask-Limiter limit string (`30/minute`, `5 per second; 100 per hour`)."""
    from limits import parse_many

    try:
        valid = all(item.amount >= 1 for item in parse_many(value))
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"{name} must be a rate limit such as 30/minute or 5/second;100/hour, not {value!r}.")
    return value


def _rate_limit_storage(value: str) -> str:
    if value and not _RATE_LIMIT_STORAGE.match(value):
        raise ConfigError(
            f"BOT_RATE_LIMIT_STORAGE_URL must be empty (this process's memory) or a Redis URL such as "
            f"redis://127.0.0.1:6379/0, not {value.split('://', 1)[0]!r}..."
        )
    return value


def _url(name: str, value: str) -> str:
    if not _URL.match(value):
        raise ConfigError(f"{name} must be an http:// or https:// URL such as https://bot.example.jp, not {value!r}.")
    return value.rstrip("/")
