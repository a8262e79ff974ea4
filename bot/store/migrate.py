"""Schema migrations through Alembic, callable from code, the CLI and tests."""
from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

from .db import get_engine

# Modules that declare models on bot.store.models.Base; imported so autogenerate sees every table.
MODEL_MODULES = ["bot.store.models", "bot.garbage.models", "bot.booking.models", "connectors.line_seen"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def load_models():
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from .models import Base

    return Base.metadata


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`; safe to call on every start."""
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(url: str, revision: str) -> None:
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
