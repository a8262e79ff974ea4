"""The console's unanswered queue and dashboard (/admin/queue, /admin/dashboard), for analysts and admins."""

from pathlib import Path

from bot.features import Feature


def init_app(app) -> None:
    from . import web

    web.init_app(app)


FEATURE = Feature(
    name="console_insights",
    models=("services.console.insights.models",),
    migrations=Path(__file__).parent / "migrations",
    init_app=init_app,
)
