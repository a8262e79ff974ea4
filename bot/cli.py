"""Command line: `python -m bot <command>` (also installed as `citybot`)."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
import threading
import time

from .errors import BotError
from .features import features
from .privacy import MaskingFormatter
from .settings import Settings

# The frozen blind sets (bench/RESULTS.md, "NLU measured on unseen wording"): scored, never trained on.
BLIND_SETS = "tests/blind/blind_set*.yml"


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cmd_train(args, settings: Settings) -> int:
    from . import model

    if args.if_stale and not model.is_stale(settings):
        progress("model is up to date; not training")
        return 0
    model.train(settings, progress)
    return 0


def cmd_run(args, settings: Settings) -> int:
    from waitress.server import create_server

    from connectors import create_app

    from . import model

    if model.is_stale(settings):
        progress("model missing or stale: training first")
        model.train(settings, progress)
    app = create_app(settings)
    engine = app.extensions["bot_engine"]
    threading.Thread(target=engine.warm_up, name="warm-up", daemon=True).start()
    # Request threads mostly wait on sockets while turns hold the GIL: hand it over every millisecond
    # rather than every five, so a quick acknowledgement never queues behind a long turn.
    sys.setswitchinterval(args.switch_interval)
    # waitress warns once per queued request under load; writing those lines from its I/O thread stalls
    # every connection whenever the disk is busy (measured: LINE ack p99 310 ms → 55 ms, bench/RESULTS.md).
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # poll(), not waitress's default select(): select() stops the server for good once a socket's descriptor
    # number passes 1,023 (a busy process with many database connections and clients gets there).
    try:
        server = create_server(
            app, host=args.host, port=args.port, threads=args.threads, ident="citybot", asyncore_use_poll=True
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise BotError(
            f"port {args.port} is in use on {args.host}; choose another: "
            f"`make run PORT={args.port + 1}` or `--port {args.port + 1}`"
        ) from None
    if settings.console_port:
        serve_internal(app, settings)
    progress(f"serving on http://{args.host}:{args.port}")
    server.run()
    return 0


def serve_internal(app, settings: Settings) -> None:
    """The second listener, on the internal address (BOT_CONSOLE_HOST:BOT_CONSOLE_PORT): the same app with its
    requests marked internal (connectors.listeners), so that the console answers there and only there."""
    from waitress.server import create_server

    from connectors.listeners import INTERNAL, on_listener

    host, port = settings.console_host, settings.console_port
    try:
        server = create_server(
            on_listener(app, INTERNAL), host=host, port=port, threads=2, ident="citybot-console", asyncore_use_poll=True
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise BotError(f"BOT_CONSOLE_PORT {port} is in use on {host}; choose another") from None
    threading.Thread(target=server.run, name="console-listener", daemon=True).start()
    progress(f"serving the console on http://{host}:{port}/admin/")


def shell_choice(text: str, buttons: list[dict]) -> str:
    """A button's number typed at the shell sends its payload, as a click in the widget would."""
    number = text.strip()
    if number.isdecimal() and 1 <= int(number) <= len(buttons):
        return buttons[int(number) - 1]["payload"]
    return text


def cmd_shell(args, settings: Settings) -> int:
    from .engine import Engine
    from .messages import render

    engine = Engine(settings)
    sender = f"shell-{int(time.time())}"
    you_prompt, bot_prompt = (render(settings, f"utter_shell_{who}_prompt", "shell") for who in ("you", "bot"))
    print(render(settings, "utter_shell_welcome", "shell"))
    buttons: list[dict] = []
    while True:
        try:
            text = input(you_prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        messages = engine.handle_message(sender, shell_choice(text, buttons), channel="shell")
        buttons = []
        for message in messages:
            if message.get("text"):
                print(bot_prompt, message["text"])
            for button in message.get("buttons") or []:
                buttons.append(button)
                print(f"   [{len(buttons)}] {button['title']}  ({button['payload']})")


def cmd_test(args, settings: Settings) -> int:
    if args.cross_validation:
        from .cross_validation import cross_validate, format_cv_report

        print(format_cv_report(cross_validate(settings, args.cross_validation, progress)))
        return 0
    if args.blind or args.questions:
        from .question_set import format_set_report, score

        paths = [settings.project_dir / args.questions] if args.questions else []
        for path in paths or sorted(settings.project_dir.glob(BLIND_SETS)):
            progress(f"scoring the question set {path}")
            print(format_set_report(score(settings, path), path.name, confusions=args.confusions))
        return 0
    from .evaluate import run_tests

    return run_tests(settings, args.nlu, args.stories, args.out, progress)


def cmd_validate(args, settings: Settings) -> int:
    from .validate import validate

    problems = validate(settings)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(problems)} problem(s) found." if problems else "Training data and domain are valid.")
    return 1 if problems else 0


def cmd_report(args, settings: Settings) -> int:
    import json
    from datetime import timedelta

    from .analytics import format_report, report
    from .clock import now

    since = now(settings) - timedelta(days=args.days) if args.days else None
    result = report(settings.database_url, since, args.top)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        from .messages import render

        print(format_report(result, render(settings, "utter_report_answer_rate")))
    return 0


def cmd_purge(args, settings: Settings) -> int:
    from datetime import timedelta

    from .city import load_city
    from .clock import now
    from .privacy import retention_days
    from .store import retention
    from .store.migrate import upgrade

    days = retention_days(load_city(settings.data_dir))
    cutoff = now(settings) - timedelta(days=days)
    upgrade(settings.database_url)
    if args.dry_run:
        found = retention.count(settings.database_url, cutoff)
        verb = "would delete or blank"
    else:
        found = retention.purge(settings.database_url, cutoff)
        verb = "deleted or blanked"
    progress(
        f"older than {days} days (before {cutoff:%Y-%m-%d %H:%M}): {verb} {found.conversations} conversation(s), "
        f"{found.turns} turn(s), {found.outbox} outbox message(s)"
    )
    return 0


def cmd_setup(args, settings: Settings) -> int:
    from .store.migrate import upgrade

    upgrade(settings.database_url)
    for feature in features():
        if feature.setup:
            progress(f"setup: {feature.name}")
            progress(f"setup: {feature.name} → {feature.setup(settings)}")
    return 0


def cmd_city_check(args, settings: Settings) -> int:
    from .citycheck import run

    found = run(settings)
    for finding in found:
        print(f"{finding.where}  {finding.what}")
    print(f"{len(found)} thing(s) still hold demo or sample values." if found else "No demo or sample values found.")
    return 1 if found else 0


def cmd_db_upgrade(args, settings: Settings) -> int:
    from .store.migrate import upgrade

    upgrade(settings.database_url)
    progress("database schema is up to date")
    return 0


def program_name() -> str:
    """`citybot` or `python -m bot`, as invoked (argparse alone would say `__main__.py` for the latter)."""
    name = os.path.basename(sys.argv[0])
    return "python -m bot" if name == "__main__.py" else name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=program_name(), description="City chatbot engine")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train the NLU model")
    p.add_argument("--if-stale", action="store_true", help="only train when the model is missing or out of date")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("run", help="serve the bot over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5005)
    p.add_argument(
        "--threads", type=int, default=4, help="worker threads; NLU and dialogue hold the GIL, so few is fastest"
    )
    p.add_argument("--switch-interval", type=float, default=0.001, help="seconds a thread may hold the GIL")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("shell", help="chat with the bot in the terminal")
    p.set_defaults(func=cmd_shell)

    p = sub.add_parser("test", help="NLU report on a held-out set and conversation tests")
    p.add_argument("--nlu", default="tests/nlu_test.yml")
    p.add_argument("--stories", default="tests/test_stories.yml")
    p.add_argument("--out", default="results", help="folder for the JSON report")
    p.add_argument("--blind", action="store_true", help=f"score the frozen blind sets ({BLIND_SETS}): aggregates only")
    p.add_argument("--questions", metavar="FILE", help="score another question set of the blind set's format")
    p.add_argument("--confusions", action="store_true", help="with --blind/--questions: intent confusion counts")
    p.add_argument(
        "--cross-validation", type=int, metavar="K", help="stratified K-fold cross-validation of the NLU data"
    )
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("data", help="training data tools")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    v = data_sub.add_parser("validate", help="check domain, NLU data and rules for mistakes")
    v.set_defaults(func=cmd_validate)

    p = sub.add_parser("report", help="for analysts: answer rate, feedback and the most frequent unanswered questions")
    p.add_argument("--days", type=int, default=0, help="only the last N days (default: all)")
    p.add_argument("--top", type=int, default=20, help="how many unanswered questions to list")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "purge", help="delete or blank conversations older than privacy.retention_days of city.yml (run it daily)"
    )
    p.add_argument("--dry-run", action="store_true", help="only count what would be deleted or blanked")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("setup", help="migrate the database and load the city's open data (idempotent)")
    p.set_defaults(func=cmd_setup)

    p = sub.add_parser("city", help="the city's data folder")
    city_sub = p.add_subparsers(dest="city_command", required=True)
    c = city_sub.add_parser(
        "check",
        help="list what still holds demo or sample values (exit status 1 when anything is found)",
        description="Lists, file and line first, what in the data folder (BOT_DATA_DIR) still holds the demo city's "
        "or sample values: `sample: true`, the demo's phone numbers and URLs, the demo's files unchanged, garbage "
        "labels mapped onto no category, other cities' districts and categories. Exit status 0: nothing found; "
        "1: something found; 2: the data cannot be read.",
    )
    c.set_defaults(func=cmd_city_check)

    p = sub.add_parser("db", help="database tools")
    db_sub = p.add_subparsers(dest="db_command", required=True)
    u = db_sub.add_parser("upgrade", help="apply schema migrations")
    u.set_defaults(func=cmd_db_upgrade)

    for feature in features():
        if feature.add_commands:
            feature.add_commands(sub, Settings.from_env)
    return parser


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO)
    for handler in logging.getLogger().handlers:  # to standard error, phone numbers and addresses masked
        handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("rasa_sdk").setLevel(logging.WARNING)
    # Alembic logs its plugin setup and migration context at INFO on every command; bot.store.migrate says
    # which revisions it applied instead.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, Settings.from_env()) or 0
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
