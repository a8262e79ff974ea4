"""Every environment variable is read in bot/settings.py only, documented in the README and checked at start-up."""

from __future__ import annotations

import re

import pytest

from bot.errors import ConfigError
from bot.settings import VARIABLES, Settings, current
from tests.conftest import PROJECT_DIR

# Code of the bot (tests/ and bench/ read their own variables, listed in the README as not the bot's).
BOT_CODE = ("bot", "services", "connectors", "actions")
READS_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\s*\[|\bfrom os import\b.*\benviron\b")


@pytest.mark.parametrize(
    "name, value, allowed",
    [
        ("BOT_PROJECT_DIR", "/no/such/folder", "existing folder"),
        ("BOT_DATA_DIR", "no-such-data", "existing folder"),
        ("BOT_CONFIG", "no-such-config.yml", "existing file"),
        ("BOT_DOMAIN", "no-such-domain.yml", "existing file"),
        ("BOT_DATABASE_URL", "mysql://user:secret@db/bot", "sqlite:/// or postgresql://"),
        ("BOT_FIXED_NOW", "tomorrow morning", "ISO 8601"),
        ("BOT_FIXED_NOW", "2026-11-31T10:00:00", "ISO 8601"),
        ("BOT_MAX_MESSAGE_CHARS", "lots", "whole number"),
        ("BOT_MAX_MESSAGE_CHARS", "0", "at least 1"),
        ("BOT_ENV", "staging", "development, production"),
        ("BOT_PUBLIC_URL", "bot.example.jp", "http:// or https://"),
        ("BOT_CONSOLE_PORT", "65536", "TCP port"),
        ("BOT_CONSOLE_PORT", "admin", "whole number"),
        ("BOT_CONSOLE_IDLE_MINUTES", "0", "at least 1"),
        ("BOT_CONSOLE_SIGNIN_LIMIT", "often", "rate limit"),
        ("LINE_API_BASE_URL", "ftp://api.line.me", "http:// or https://"),
    ],
)
def test_a_bad_value_stops_the_start_with_the_variable_and_what_it_takes(name, value, allowed):
    with pytest.raises(ConfigError) as error:
        Settings.from_env({name: value})
    message = str(error.value)
    assert message.startswith(name) and allowed in message
    assert "secret" not in message  # a database URL's password is never echoed


def test_a_bad_cors_origin_stops_the_app_naming_the_variable():
    from connectors.widget import allowed_origins

    with pytest.raises(ConfigError, match="BOT_CORS_ORIGINS"):
        allowed_origins(Settings.from_env({"BOT_CORS_ORIGINS": "https://city.example.jp/path"}).cors_origins, {})


def test_the_cli_reports_a_bad_variable_and_exits(capsys, monkeypatch):
    from bot import cli

    monkeypatch.setenv("BOT_MAX_MESSAGE_CHARS", "many")
    assert cli.main(["db", "upgrade"]) == 2
    assert "BOT_MAX_MESSAGE_CHARS must be a whole number" in capsys.readouterr().err


def test_values_are_typed_and_defaults_kept():
    s = Settings.from_env(
        {
            "BOT_FIXED_NOW": "2026-11-20T10:00:00+09:00",
            "BOT_MAX_MESSAGE_CHARS": " 200 ",
            "BOT_ENV": "Production",
            "BOT_PUBLIC_URL": "https://bot.example.jp/",
            "BOT_CONSOLE_PORT": " 5006 ",
            "BOT_CONSOLE_IDLE_MINUTES": "10",
            "BOT_DATA_DIR": "",
        }
    )
    assert s.fixed_now.isoformat() == "2026-11-20T10:00:00+09:00" and s.max_message_chars == 200
    assert s.production and s.public_url == "https://bot.example.jp"
    assert (s.console_port, s.console_host, s.console_idle_minutes) == (5006, "127.0.0.1", 10)
    assert s.data_dir == PROJECT_DIR / "data"  # empty means the default
    d = Settings.from_env({})
    assert (d.fixed_now, d.max_message_chars, d.environment, d.public_url, d.line_api_base_url) == (
        None,
        1000,
        "development",
        "http://127.0.0.1:5005",
        "https://api.line.me",
    )
    assert d.database_url == f"sqlite:///{PROJECT_DIR / 'var' / 'bot.sqlite3'}"
    assert (d.console_port, d.console_idle_minutes, d.console_signin_limit) == (0, 30, "10/15 minutes")


PRODUCTION = {"BOT_ENV": "production", "BOT_PUBLIC_URL": "https://bot.example.jp"}


@pytest.mark.parametrize(
    "change, says",
    [
        ({"BOT_PUBLIC_URL": ""}, "BOT_PUBLIC_URL must be the bot's https:// address"),  # payment links to 127.0.0.1
        ({"BOT_PUBLIC_URL": "http://bot.example.jp"}, "BOT_PUBLIC_URL must be the bot's https:// address"),
    ],
)
def test_production_refuses_to_start_while_it_is_unsafe_and_says_why(change, says):
    from connectors import create_app

    with pytest.raises(ConfigError) as error:
        create_app(Settings.from_env({**PRODUCTION, **change}))  # refused before anything is built
    assert "BOT_ENV=production refuses to start" in str(error.value) and says in str(error.value)


def test_a_safe_production_configuration_passes_and_development_is_not_held_to_it():
    Settings.from_env(PRODUCTION).check_production()
    Settings.from_env({}).check_production()  # development: http is fine


def test_variables_lists_exactly_what_from_env_reads():
    class Recording(dict):
        def get(self, name, default=None):
            read.add(name)
            return super().get(name, default)

    read: set[str] = set()
    Settings.from_env(Recording())
    assert read == set(VARIABLES)


def test_every_variable_is_in_the_readme_configuration_table():
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)`", section, re.MULTILINE))
    assert set(VARIABLES) <= documented
    assert {"BOT_TEST_PG_URL", "HOST", "BENCH_LINE_DELIVERIES"} <= set(re.findall(r"`([A-Z_]+)`", section))


def test_no_module_but_bot_settings_reads_the_environment():
    readers = []
    for folder in BOT_CODE:
        for path in sorted((PROJECT_DIR / folder).rglob("*.py")):
            if path == PROJECT_DIR / "bot" / "settings.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if READS_ENVIRONMENT.search(line):
                    readers.append(f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")
    assert readers == []


def test_actions_see_the_environment_as_it_is_now_without_clearing_anything(monkeypatch):
    monkeypatch.setenv("BOT_MAX_MESSAGE_CHARS", "300")
    first = current()
    assert first.max_message_chars == 300 and current() is first  # unchanged: built once
    monkeypatch.setenv("BOT_MAX_MESSAGE_CHARS", "400")
    assert current().max_message_chars == 400
    monkeypatch.setenv("BOT_ENV", "nonsense")
    with pytest.raises(ConfigError, match="BOT_ENV"):
        current()
