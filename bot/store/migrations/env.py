"""Alembic environment: runs on the connection handed over by bot.store.migrate."""

from alembic import context

from bot.store.db import get_engine
from bot.store.migrate import load_models

config = context.config
target_metadata = load_models()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is None:
        with get_engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
