"""The LINE feature: the webhook blueprint, its tables (webhook events taken in, pushes waiting for a retry) and
their migrations, and the push notifier for notices."""

from pathlib import Path

from bot.features import Feature


def init_app(app) -> None:
    from . import webhook

    webhook.init_app(app)


def push_notifier(settings):
    from .push import LinePushNotifier

    return LinePushNotifier.from_settings(settings)


FEATURE = Feature(
    name="line",
    models=("connectors.line.seen", "connectors.line.pending"),
    migrations=Path(__file__).parent / "migrations",
    init_app=init_app,
    notifiers={"line": push_notifier},
)
