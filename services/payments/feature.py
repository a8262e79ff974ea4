"""The payments feature: online payment of bookings, the providers' callbacks and the sandbox's hosted page."""

from pathlib import Path

from bot.features import Feature

from . import check, online_provider
from .cli import add_commands


def init_app(app) -> None:
    """The callback endpoint, and the sandbox's page and callback worker when it is the provider; nothing when the
    city offers no online payment."""
    from . import sandbox_web, web

    provider = online_provider(app.config["BOT_SETTINGS"])
    if provider is None:
        return
    web.init_app(app)
    if provider == "sandbox":
        sandbox_web.init_app(app)


# Its first tables were created by the booking migration (0003_booking), before payments were a feature of their own.
FEATURE = Feature(
    name="payments",
    models=("services.payments.models",),
    migrations=Path(__file__).parent / "migrations",
    init_app=init_app,
    add_commands=add_commands,
    check=check,
)
