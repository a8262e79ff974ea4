"""`bot payments retry`: ask the provider again for the refunds it has not taken yet (run it from cron or a timer)."""

from __future__ import annotations

from bot.clock import now
from bot.store.migrate import upgrade

from . import online_provider
from .billing import payment_service


def cmd_retry(args, settings) -> int:
    if online_provider(settings) is None:
        print("online payment is not offered (data/bulky.yml payment.methods)")
        return 0
    upgrade(settings.database_url)
    refunded, pending = payment_service(settings, lambda: now(settings)).retry_refunds()
    print(f"refunds made: {refunded}, still pending: {pending}")
    return 1 if pending else 0


def add_commands(subparsers, settings_factory) -> None:
    """Called by bot.cli; every handler gets (args, settings)."""
    p = subparsers.add_parser("payments", help="online payments: operator tools")
    sub = p.add_subparsers(dest="payments_command", required=True)
    s = sub.add_parser("retry", help="retry the refunds the payment provider has not taken yet (run every few minutes)")
    s.set_defaults(func=cmd_retry)
