"""`bot import garbage`, `bot export garbage` and `bot garbage ...` (staff edits, misses, a lookup to try).

    bot import garbage [--config FILE] [--dry-run] [--strict]   (FILE: $BOT_DATA_DIR/garbage.yml unless given)
    bot import garbage --format standard|5374|mapping|yaml [--mapping FILE] [--source NAME] [--dry-run] PATH...
    bot export garbage [--out FILE] [--encoding utf-8-sig|utf-8|cp932]
    bot garbage add-synonym ITEM SYNONYM
    bot garbage add-item NAME CATEGORY [--notes TEXT] [--reading KANA] [--fee TEXT]
    bot garbage misses [--limit N]
    bot garbage lookup TEXT

Each command's `func(args, settings)` is called by bot.cli.main with the settings from the environment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.city import load_city
from bot.errors import ConfigError

from .config import FORMATS, GarbageConfig, SourceConfig, load_config, source_config
from .importers import import_sources, parse_source


class StderrProgress:
    """`[tsu] 1200/3984 (30%)` on stderr: rewritten in place on a terminal, every 10% into a log."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.shown: tuple[str, int] | None = None

    def __call__(self, label: str, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        step = percent if self.live else percent // 10 * 10
        if (label, step) == self.shown and done != total:
            return
        self.shown = (label, step)
        text = f"[{label}] {done}/{total} ({percent}%)"
        if self.live:
            print("\r" + text, end="\n" if done >= total else "", file=self.stream, flush=True)
        else:
            print(text, file=self.stream, flush=True)


def _print_summary(summary: dict) -> None:
    for name, result in summary.items():
        details = ", ".join(f"{k} {v}" for k, v in result.items() if k != "status")
        print(f"{name}: {result['status']}" + (f" ({details})" if details else ""))


def print_mapping(config: GarbageConfig, sources: list[SourceConfig], progress=None) -> int:
    """`--dry-run`: per source, each published label and the city category it maps onto with its rows, then every
    row that would be left out. Nothing is written. Returns how many rows would be left out."""
    skipped = 0
    for src in sources:
        parsed = parse_source(config, src, progress)
        counts = ", ".join(f"{k} {v}" for k, v in parsed.counts().items())
        print(f"[{src.name}] {src.format}: {', '.join(map(str, src.paths))}\n  {counts}")
        for (label, category), rows in sorted(parsed.labels.items(), key=lambda kv: (kv[0][1] is not None, -kv[1])):
            target = (
                f"{category} ({config.categories[category]})" if category else "NOT MAPPED: add it under `categories:`"
            )
            print(f"  {label or '(empty)'} → {target}: {rows}")
        for line, message in sorted(parsed.problems):
            print(f"  line {line} skipped: {message}")
        skipped += len(parsed.problems)
    print(f"{skipped} row(s) would be skipped; nothing was written (--dry-run).")
    return skipped


def cmd_import(args, settings) -> int:
    from bot.store.migrate import upgrade

    progress = StderrProgress()
    if not args.paths:
        config = load_config(settings.data_dir, Path(args.config) if args.config else None)
        sources = list(config.sources)
    else:
        config, sources = _command_line_source(args, settings)
    if args.dry_run:
        print_mapping(config, sources, progress)
        return 0
    upgrade(settings.database_url)
    _print_summary(import_sources(settings.database_url, config, sources, args.force, progress, args.strict))
    return 0


def _command_line_source(args, settings) -> tuple[GarbageConfig, list[SourceConfig]]:
    """The source that `--format` and the files on the command line describe (with `--mapping`'s columns)."""
    if args.config or not args.format:
        raise ConfigError("Give either --config FILE, or --format standard|5374|mapping|yaml with the files.")
    spec: dict[str, Any] = {}
    if args.mapping:
        try:
            spec = yaml.safe_load(Path(args.mapping).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"Cannot read the mapping {args.mapping}: {exc}") from exc
    paths = [Path(p).resolve() for p in args.paths]
    spec = {
        **spec,
        "name": args.source or spec.get("name") or paths[0].stem,
        "format": args.format,
        "path": [str(p) for p in paths],
    }
    if args.encoding:
        spec["encoding"] = args.encoding
    config = load_config(settings.data_dir)
    return config, [source_config(spec, Path("/"), config.categories, args.mapping or "command line")]


def cmd_export(args, settings) -> int:
    from .export import standard_csv

    city_name = load_city(settings.data_dir)["city"]["name"]
    data, count = standard_csv(settings.database_url, load_config(settings.data_dir), city_name, args.encoding)
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"{count} items written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_add_synonym(args, settings) -> int:
    from .edit import add_synonym

    added = add_synonym(settings.database_url, args.item, args.synonym)
    print(f"「{args.synonym}」→「{args.item}」: " + ("added" if added else "already known"))
    return 0


def cmd_add_item(args, settings) -> int:
    from .edit import add_item

    status = add_item(
        settings.database_url,
        load_config(settings.data_dir),
        args.name,
        args.category,
        args.notes,
        args.reading,
        args.fee,
    )
    print(f"「{args.name}」: {status}")
    return 0


def cmd_misses(args, settings) -> int:
    from .edit import misses

    for query, count, last in misses(settings.database_url, args.limit):
        print(f"{count:5d}  {last}  {query}")
    return 0


def cmd_lookup(args, settings) -> int:
    from .service import get_service

    match = get_service(settings.database_url, settings.data_dir).snapshot().index.lookup(args.text)
    names = load_config(settings.data_dir).categories
    print(f"{match.kind} 「{match.query}」" + (" (fuzzy)" if match.fuzzy else ""))
    for e in match.items:
        print(f"  {e.name}  →  {names.get(e.category, e.category)}  [{e.source}]" + (f"  {e.notes}" if e.notes else ""))
    return 0


def _targets(subparsers, name: str, help_: str):
    """The sub-commands of `bot <name>`, created here or shared with another feature that added `name` first."""
    parser = subparsers.choices.get(name) or subparsers.add_parser(name, help=help_)
    for action in parser._actions:  # argparse keeps its sub-command table here; there is no public accessor
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest=f"{name}_target", required=True, metavar="TARGET")


def add_commands(subparsers, settings_factory=None) -> None:
    """Register the garbage commands on bot.cli's sub-parsers. `settings_factory` is part of the shared interface;
    the commands get their settings from bot.cli.main instead."""
    p = _targets(subparsers, "import", "import data").add_parser(
        "garbage",
        help="import garbage sorting data and collection days",
        description="Import the sources listed in garbage.yml of the data folder (BOT_DATA_DIR; the project's data/ "
        "when unset) or the files given with --format. A row that cannot "
        "be used is reported with its line and skipped (--strict: nothing is imported); a file that cannot be read "
        "as a table is refused whole.",
    )
    p.add_argument(
        "--config", help="a garbage.yml listing the sources (default: garbage.yml in BOT_DATA_DIR, else data/)"
    )
    p.add_argument("--format", choices=FORMATS, help="the shape of PATH")
    p.add_argument("--mapping", help="YAML with `columns:` (format mapping) and/or `categories:` (label: id)")
    p.add_argument("--source", help="the source's name; importing it again replaces it (default: file name)")
    p.add_argument("--encoding", help="force an encoding (default: UTF-8, with or without BOM, else cp932)")
    p.add_argument("--force", action="store_true", help="import even when the files have not changed")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show each category label's mapping and the rows that would be skipped; write nothing",
    )
    p.add_argument(
        "--strict", action="store_true", help="all or nothing: any row that cannot be used refuses the whole import"
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files, or a 5374 folder")
    p.set_defaults(func=cmd_import)

    p = _targets(subparsers, "export", "export data").add_parser(
        "garbage", help="write the items in the national standard 11-column CSV"
    )
    p.add_argument("--out", help="file to write (default: standard output)")
    p.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "utf-8", "cp932"])
    p.set_defaults(func=cmd_export)

    staff = subparsers.add_parser("garbage", help="garbage data: staff edits, unknown items, lookups")
    sub = staff.add_subparsers(dest="garbage_command", required=True)
    p = sub.add_parser("add-synonym", help="let another name find an item")
    p.add_argument("item", help="the item's exact name")
    p.add_argument("synonym")
    p.set_defaults(func=cmd_add_synonym)
    p = sub.add_parser("add-item", help="add or replace an item (kept across imports)")
    p.add_argument("name")
    p.add_argument("category", help="a category id or local name from city.yml garbage_categories")
    p.add_argument("--notes", default="")
    p.add_argument("--reading", default="", help="kana reading (default: from Sudachi)")
    p.add_argument("--fee", default="", help="bulky-waste fee as shown to citizens, e.g. 1,000円")
    p.set_defaults(func=cmd_add_item)
    p = sub.add_parser("misses", help="items citizens asked about that the data does not know")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_misses)
    p = sub.add_parser("lookup", help="show what the bot finds for a question")
    p.add_argument("text")
    p.set_defaults(func=cmd_lookup)
