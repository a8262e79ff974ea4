"""Schema migrations through Alembic, callable from code, the CLI and tests."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ..features import features, import_all
from .db import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def load_models():
    """The metadata of every table: the engine's and each feature's, so autogenerate sees them all."""
    import_all("models")
    from .models import Base

    return Base.metadata


def version_locations() -> list[Path]:
    """The engine's revisions and each feature's: one history, each revision filed beside its feature."""
    return [MIGRATIONS_DIR / "versions", *(f.migrations for f in features() if f.migrations)]


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in version_locations()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to `revision`; safe to call on every start. By default every head: features
    developed side by side may each branch their revisions from the same parent, and all of them apply."""
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        before = MigrationContext.configure(connection).get_current_heads()
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(connection).get_current_heads()
    # Alembic itself is kept quiet (bot.cli): say which revisions ran, one short line each, and nothing otherwise.
    if after != before:
        for applied in reversed(list(ScriptDirectory.from_config(cfg).iterate_revisions(after, before))):
            log.info("database migrated to %s", applied.revision)


def downgrade(url: str, revision: str) -> None:
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
