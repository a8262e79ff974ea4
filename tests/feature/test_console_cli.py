"""`bot users`: the first admin made from the shell, then list, roles, disabling and new passwords, each audited;
bad input exits 2 with a message and changes nothing."""

from __future__ import annotations

import io

import pytest

from bot import cli
from bot.store.db import session_factory
from services.console.models import AuditEntry
from services.console.users import UserStore

pytestmark = pytest.mark.fixture_city
PASSWORD = "a long enough password"


def run(capsys, monkeypatch, *argv, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_users_are_made_listed_and_changed_from_the_shell(bot_env, capsys, monkeypatch):
    assert run(
        capsys, monkeypatch, "users", "create", "yamada", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )[:2] == (0, "yamada: created with role admin\n")
    store = UserStore(bot_env.database_url)
    assert store.authenticate("yamada", PASSWORD) is not None  # the line's end is not part of the password
    code, out, _ = run(capsys, monkeypatch, "users", "list")
    assert code == 0 and out.startswith("yamada\tadmin\tactive\tlast sign-in: 20")
    assert run(capsys, monkeypatch, "users", "set-role", "yamada", "analyst")[:2] == (0, "yamada: role analyst\n")
    assert run(capsys, monkeypatch, "users", "disable", "yamada")[:2] == (0, "yamada: disabled\n")
    assert store.authenticate("yamada", PASSWORD) is None
    assert run(capsys, monkeypatch, "users", "enable", "yamada")[:2] == (0, "yamada: enabled\n")
    new = "another long password"
    assert run(capsys, monkeypatch, "users", "set-password", "yamada", "--password-stdin", stdin=new)[0] == 0
    assert store.authenticate("yamada", PASSWORD) is None and store.authenticate("yamada", new).role == "analyst"
    with session_factory(bot_env.database_url)() as s:
        actions = [(r.actor.startswith("cli:"), r.action) for r in s.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == [
        (True, "user.create"),
        (True, "user.role"),
        (True, "user.disable"),
        (True, "user.enable"),
        (True, "user.password"),
    ]


@pytest.mark.parametrize(
    "argv, stdin, says",
    [
        (["users", "create", "kimura", "--role", "admin", "--password-stdin"], "short", "12 to 256 characters"),
        (["users", "create", "a b", "--role", "staff", "--password-stdin"], PASSWORD, "without spaces"),
        (["users", "disable", "nobody"], "", "There is no user 'nobody'"),
        (["users", "set-password", "nobody", "--password-stdin"], PASSWORD, "There is no user 'nobody'"),
    ],
)
def test_bad_input_exits_2_saying_why(bot_env, capsys, monkeypatch, argv, stdin, says):
    code, _, err = run(capsys, monkeypatch, *argv, stdin=stdin)
    assert code == 2 and says in err
    assert UserStore(bot_env.database_url).all() == []


def test_a_name_is_taken_once_and_roles_are_the_four(bot_env, capsys, monkeypatch):
    argv = ["users", "create", "mori", "--role", "staff", "--password-stdin"]
    assert run(capsys, monkeypatch, *argv, stdin=PASSWORD)[0] == 0
    code, _, err = run(capsys, monkeypatch, *argv, stdin=PASSWORD)
    assert code == 2 and "exists already" in err
    with pytest.raises(SystemExit):
        cli.main(["users", "create", "ono", "--role", "superuser"])
