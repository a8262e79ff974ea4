"""The bulky-waste booking feature: the booking and managing forms, the staff pages and `bot booking`."""

from pathlib import Path

from bot.features import Feature

from .citycheck import city_check
from .cli import add_commands


def init_app(app) -> None:
    from . import web

    web.init_app(app)


FEATURE = Feature(
    name="booking",
    models=("services.booking.models",),
    migrations=Path(__file__).parent / "migrations",
    actions=("services.booking.actions.form", "services.booking.actions.manage"),
    init_app=init_app,
    add_commands=add_commands,
    city_check=city_check,
)
