"""Flask-style fixtures over the real components: a trained model, SQLite files, PostgreSQL, a live server.

A test's bot runs on one of two cities. The fixture city (tests/fixtures/city: ひばり市, small and invented, its
model trained in seconds) is for tests of the engine's behaviour: a module marked
`pytestmark = pytest.mark.fixture_city` gets `settings`, `engine`, `client` and `say` on it, and asserts response
names, intents, structure or text read from the fixture city's own data (`response_text`, `faq_answer`), never one
city's wording. The demo city (data/) is the default, for the acceptance tests of its content: its FAQ and NLU
(feature/test_content.py, test_actions_faq.py), Kanazawa's and Tsu's garbage data (feature/test_garbage_*.py,
test_areas.py), the demo's booking and payments (feature/test_booking_*.py), the LINE channel on the demo's replies
and areas (channel/test_line_*.py), the command line as a user runs it (feature/test_cli.py) and the end-to-end tests
(e2e/: every held-out question, the widget in Chromium).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot import model as bot_model
from bot.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The fixture city's data folder: its own city.yml, faq/, nlu/, rules/, garbage and booking files and config.yml.
FIXTURE_CITY = PROJECT_DIR / "tests" / "fixtures" / "city"
# Both cities' tests run "on" a fixed Friday morning so dates are reproducible.
FIXED_NOW = "2026-11-20T10:00:00+09:00"
# A test-only variable (README "Configuration"): the PostgreSQL server the tests create their databases on.
PG_ADMIN_URL = os.environ.get("BOT_TEST_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432/test")


def pytest_configure(config):
    config.addinivalue_line("markers", "fixture_city: the module's bot runs on the fixture city (tests/fixtures/city)")


def fixture_city_env(model_dir: Path) -> dict[str, str]:
    """The fixture city as environment variables: its data folder, its config and a model folder (the domain is
    the project's domain.yml, as for every city)."""
    return {
        "BOT_DATA_DIR": str(FIXTURE_CITY),
        "BOT_CONFIG": str(FIXTURE_CITY / "config.yml"),
        "BOT_MODEL_DIR": str(model_dir),
    }


def response_text(engine, name: str, channel: str = "rest", **values) -> str:
    """The text of the domain's response `name` as the engine renders it for its city (`values` fill its
    variables): tests of the engine compare replies with it, not with one city's wording."""
    return engine.agent.responder.render(name, {}, channel, values)["text"]


def faq_answer(settings: Settings, intent: str) -> str:
    """The city's main FAQ answer of `intent` (its topic's first entry), filled in from the city profile."""
    from bot.city import load_city
    from services.faq import index as faq_index

    entry = faq_index.load(settings.data_dir).by_intent[intent][0]
    return faq_index.render_answer(entry, load_city(settings.data_dir))


@pytest.fixture(scope="session")
def trained_settings() -> Settings:
    """The demo city's settings with a current model (trained once per run if stale)."""
    settings = Settings.from_env(env={})
    if bot_model.is_stale(settings):
        bot_model.train(settings)
    return settings


@pytest.fixture(scope="session")
def fixture_city(tmp_path_factory) -> Settings:
    """The fixture city's settings with a model trained on it once per run, in a folder of this run (seconds)."""
    settings = Settings.from_env(env=fixture_city_env(tmp_path_factory.mktemp("fixture-city") / "models"))
    bot_model.train(settings)
    return settings


@pytest.fixture
def city_env(request) -> dict[str, str]:
    """The city of this test's bot as environment variables: the fixture city in a module marked `fixture_city`,
    the demo city (no variable: the defaults) otherwise. Either city's model is trained before it is used."""
    if request.node.get_closest_marker("fixture_city"):
        return fixture_city_env(request.getfixturevalue("fixture_city").model_dir)
    request.getfixturevalue("trained_settings")
    return {}


@pytest.fixture
def extra_env() -> dict[str, str]:
    """Variables a test module adds to its bot's environment (it overrides this fixture)."""
    return {}


@pytest.fixture
def test_env(tmp_path, city_env, extra_env) -> dict[str, str]:
    """This test's bot configuration as environment variables: its city, its own SQLite file and the fixed clock."""
    return {
        **city_env,
        "BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "BOT_FIXED_NOW": FIXED_NOW,
        **extra_env,
    }


@pytest.fixture
def settings(test_env) -> Settings:
    """The settings of `test_env` alone (not the developer's environment), on its city's trained model."""
    return Settings.from_env(env=test_env)


@pytest.fixture(scope="session")
def demo_db_template(trained_settings, tmp_path_factory) -> Path:
    """A SQLite file migrated and loaded with the demo city's open data, as `make run` prepares it."""
    from bot.cli import cmd_setup
    from bot.features import features

    assert any(f.setup for f in features())
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    cmd_setup(None, trained_settings.with_(database_url=f"sqlite:///{path}"))
    with sqlite3.connect(path) as conn:  # fold the write-ahead log into the file that gets copied
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def demo_data(settings, demo_db_template):
    """This test's database starts as the demo city's (request it before `engine`)."""
    shutil.copyfile(demo_db_template, settings.database_url[len("sqlite:///") :])
    return settings


@pytest.fixture
def bot_env(settings, test_env, monkeypatch):
    """Actions read their settings from the environment (they may run out of process): give it this test's, so
    the app (`settings`) and the actions see the same configuration."""
    for name, value in test_env.items():
        monkeypatch.setenv(name, value)
    return settings


@pytest.fixture
def engine(bot_env):
    from bot.engine import Engine

    eng = Engine(bot_env)
    yield eng
    eng.close()


@pytest.fixture
def app(engine, bot_env):
    from connectors import create_app

    return create_app(bot_env, engine=engine)


@pytest.fixture
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real waitress server on 127.0.0.1 in a background thread."""

    THREADS = 8  # waitress's request threads (tests that load the server count on this many)

    def __init__(self, app):
        from waitress.server import create_server

        self.port = free_port()
        # poll() as `bot run` (bot/cli.py): a long test run opens more than 1,024 descriptors, past select()'s reach
        self.server = create_server(app, host="127.0.0.1", port=self.port, threads=self.THREADS, asyncore_use_poll=True)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        def close_all():  # in the server loop's own thread, so its select() never sees a closed socket
            for channel in list(self.server._map.values()):
                channel.close()

        # the loop may have stopped and closed its trigger already: then a failure in the test body says why
        with contextlib.suppress(OSError):
            self.server.trigger.pull_trigger(close_all)
        self.thread.join(timeout=5)
        self.server.task_dispatcher.shutdown()


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server.url


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    name = f"bot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - the Makefile's `postgres` target starts one; without it this is an error, not a skip
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}); run `make postgres`.")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    from bot.store.db import _ENGINES

    for key in [k for k in _ENGINES if name in k]:
        _ENGINES.pop(key).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def say(client):
    """Send a message through the REST webhook; returns the list of bot messages."""

    def _say(message, sender="tester"):
        response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return _say
