"""The console feature: the web console under /admin (sign-in, roles, users, audit log), its tables and `bot users`.
FAQ curation and the unanswered queue are features of their own (console_faq, console_insights) on this one."""

from pathlib import Path

from bot.features import Feature


def init_app(app) -> None:
    from . import gate, web

    gate.init_app(app)
    web.init_app(app)


def add_commands(subparsers, settings_factory) -> None:
    from .cli import add_commands as add

    add(subparsers, settings_factory)


FEATURE = Feature(
    name="console",
    models=("services.console.models",),
    migrations=Path(__file__).parent / "migrations",
    init_app=init_app,
    add_commands=add_commands,
)
