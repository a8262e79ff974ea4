"""The LINE feature: the webhook blueprint, its dedup table and migration, and the push notifier for notices."""

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
    models=("connectors.line.seen",),
    migrations=Path(__file__).parent / "migrations",
    init_app=init_app,
    notifiers={"line": push_notifier},
)
