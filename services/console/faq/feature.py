"""FAQ curation in the console (/admin/faq): staff edit, check and publish the FAQ and its training examples."""

from pathlib import Path

from bot.features import Feature


def init_app(app) -> None:
    from . import web

    web.init_app(app)


FEATURE = Feature(
    name="console_faq",
    models=("services.console.faq.models",),
    migrations=Path(__file__).parent / "migrations",
    init_app=init_app,
)
