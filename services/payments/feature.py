"""The payments feature: online payment of bookings, the providers' callbacks and the sandbox's hosted page."""

from bot.features import Feature


def init_app(app) -> None:
    from . import sandbox_web, web

    web.init_app(app)
    sandbox_web.init_app(app)


# Its tables were created by the booking migration (0003_booking), before payments were a feature of their own.
FEATURE = Feature(name="payments", models=("services.payments.models",), init_app=init_app)
