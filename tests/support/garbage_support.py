"""Shared fixtures of the garbage tests: real SQLite and PostgreSQL databases, the demo city's data imported."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.store.migrate import upgrade
from services.garbage.importers import import_configured
from tests.conftest import FIXED_NOW


def migrated(url: str) -> str:
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        return migrated(f"sqlite:///{tmp_path / 'garbage.sqlite3'}")
    return migrated(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory):
    """The demo city's settings on a SQLite file holding its imported garbage data (once per test module)."""
    url = migrated(f"sqlite:///{tmp_path_factory.mktemp('garbage') / 'demo.sqlite3'}")
    settings = Settings.from_env(env={"BOT_DATABASE_URL": url, "BOT_FIXED_NOW": FIXED_NOW})
    import_configured(settings)
    return settings
