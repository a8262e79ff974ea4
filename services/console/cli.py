"""`bot users create|list|disable|enable|set-password|set-role`: the console's users from the server's shell, where
the first admin is made. Passwords are asked for twice without echo, or read from standard input's first line
(`--password-stdin`, for scripts); never from the command line, which other users of the machine can see."""

from __future__ import annotations

import getpass
import sys

from bot.store.migrate import upgrade

from .users import ROLES, UserError, UserStore


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (12 characters or more): ")
    if first != getpass.getpass("The same password again: "):
        raise UserError("The two passwords differ; nothing was changed.")
    return first


def _store(settings) -> UserStore:
    upgrade(settings.database_url)  # the first admin is often made right after install
    return UserStore(settings.database_url)


def cmd_create(args, settings) -> int:
    store = _store(settings)
    user = store.create(args.name, args.role, _password(args), _actor())
    print(f"{user.name}: created with role {user.role}")
    return 0


def cmd_list(args, settings) -> int:
    for user in _store(settings).all():
        last = user.last_signin_at.isoformat(timespec="seconds") if user.last_signin_at else "never"
        print(f"{user.name}\t{user.role}\t{'active' if user.active else 'disabled'}\tlast sign-in: {last}")
    return 0


def cmd_active(args, settings) -> int:
    user = _store(settings).set_active(args.name, args.users_command == "enable", _actor())
    print(f"{user.name}: {'enabled' if user.active else 'disabled'}")
    return 0


def cmd_set_password(args, settings) -> int:
    store = _store(settings)
    user = store.set_password(args.name, _password(args), _actor())
    print(f"{user.name}: password changed; their sessions have ended")
    return 0


def cmd_set_role(args, settings) -> int:
    user = _store(settings).set_role(args.name, args.role, _actor())
    print(f"{user.name}: role {user.role}")
    return 0


def add_commands(subparsers, settings_factory) -> None:
    p = subparsers.add_parser("users", help="the web console's users (/admin): create the first admin here")
    sub = p.add_subparsers(dest="users_command", required=True)
    s = sub.add_parser("create", help="a new user")
    s.add_argument("name")
    s.add_argument("--role", required=True, choices=ROLES)
    s.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    s.set_defaults(func=cmd_create)
    s = sub.add_parser("list", help="every user, their role and last sign-in")
    s.set_defaults(func=cmd_list)
    for name, what in (("disable", "end a user's sessions and refuse their sign-in"), ("enable", "allow again")):
        s = sub.add_parser(name, help=what)
        s.add_argument("name")
        s.set_defaults(func=cmd_active)
    s = sub.add_parser("set-password", help="a new password (ends the user's sessions)")
    s.add_argument("name")
    s.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    s.set_defaults(func=cmd_set_password)
    s = sub.add_parser("set-role", help="another role (ends the user's sessions)")
    s.add_argument("name")
    s.add_argument("role", choices=ROLES)
    s.set_defaults(func=cmd_set_role)
