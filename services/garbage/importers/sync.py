"""Apply parsed sources to the database: every source checked first, then all of them in one transaction."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.errors import ImportDataError
from bot.store.db import session_factory

from ..config import GarbageConfig, SourceConfig, load_config
from ..models import GarbageArea, GarbageCenter, GarbageItem, GarbageSource, GarbageSynonym
from .common import CategoryResolver, Parsed, Progress
from .jp5374 import FILES_5374, parse_5374
from .mapping import parse_mapping
from .staff_yaml import parse_yaml
from .standard import parse_standard

log = logging.getLogger(__name__)

# Bump when parsing changes what is stored, so unchanged files are imported again once.
PARSER_VERSION = 3  # 3: rows that cannot be used are skipped; English names kept

PARSERS = {"standard": parse_standard, "5374": parse_5374, "mapping": parse_mapping, "yaml": parse_yaml}


def source_files(src: SourceConfig) -> list[Path]:
    """The files a source reads: its files, or a 5374 folder's."""
    out = []
    for p in src.paths:
        out += sorted(f for f in p.iterdir() if f.name in FILES_5374) if p.is_dir() else [p]
    return out


def checksum(src: SourceConfig) -> str:
    h = hashlib.sha256(json.dumps([PARSER_VERSION, src.describe()], ensure_ascii=False, sort_keys=True).encode())
    for f in source_files(src):
        try:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
        except OSError as exc:
            raise ImportDataError(f"Cannot read {f}: {exc.strerror}.") from exc
    return h.hexdigest()


def _sync(session, model, source: str, records: dict, key_fields: tuple[str, ...]) -> int:
    """Make the rows of `source` equal `records`; returns how many rows changed."""
    existing = {
        tuple(getattr(r, f) for f in key_fields): r
        for r in session.scalars(select(model).where(model.source == source))
    }
    changed = 0
    for rec in records.values():
        row = existing.pop(tuple(rec[f] for f in key_fields), None)
        if row is None:
            session.add(model(source=source, **rec))
            changed += 1
        elif any(getattr(row, f) != v for f, v in rec.items()):
            for f, v in rec.items():
                setattr(row, f, v)
            changed += 1
    for row in existing.values():
        session.delete(row)
    return changed + len(existing)


def next_revision(session) -> int:
    return (session.scalar(select(func.max(GarbageSource.revision))) or 0) + 1


def touch_source(session, name: str, changed: bool = True, **values) -> GarbageSource:
    """The source's row, created when new; a change gives it a fresh revision so every cached index rebuilds."""
    revision = next_revision(session)
    row = session.get(GarbageSource, name)
    if row is None:
        row = GarbageSource(name=name, location="", checksum="", counts={})
        session.add(row)
        changed = True
    for k, v in values.items():
        setattr(row, k, v)
    if changed:
        row.revision = revision
    row.updated_at = datetime.now(UTC)
    return row


def parse_source(config: GarbageConfig, src: SourceConfig, progress: Progress | None = None) -> Parsed:
    """One source parsed and checked, nothing written: what it would import, the rows it leaves out and why."""
    return PARSERS[src.format](src, CategoryResolver(config.categories, src.categories), progress)


def import_sources(
    database_url: str,
    config: GarbageConfig,
    sources: Iterable[SourceConfig],
    force: bool = False,
    progress: Progress | None = None,
    strict: bool = False,
) -> dict:
    """Parse every source, then apply them all in one transaction. Returns a summary per source, with the rows
    left out under "problems". A row that cannot be used is left out and the rest imports; with `strict`, any
    such row means nothing changes. A file that cannot be read as a table stops the whole import either way.
    The rows left out are logged as warnings and counted under "skipped"."""
    Session = session_factory(database_url)
    sources = list(sources)
    with Session() as s:
        known = {r.name: r.checksum for r in s.scalars(select(GarbageSource))}
    summary: dict[str, dict] = {}
    work: list[tuple[SourceConfig, Parsed, str]] = []
    problems: list[tuple[int, str]] = []
    for src in sources:
        digest = checksum(src)
        if not force and known.get(src.name) == digest:
            summary[src.name] = {"status": "unchanged"}
            continue
        parsed = parse_source(config, src, progress)
        problems += [(line, f"[{src.name}] {msg}") for line, msg in sorted(parsed.problems)]
        work.append((src, parsed, digest))
    if strict and problems:
        failed = ", ".join(f"{src.name} ({', '.join(map(str, src.paths))})" for src, p, _ in work if p.problems)
        raise ImportDataError(
            f"Garbage import failed in {failed}: {len(problems)} problem(s); nothing was changed (--strict).", problems
        )
    with Session() as s, s.begin():
        for src, parsed, digest in work:
            changed = (
                _sync(s, GarbageItem, src.name, parsed.items, ("key",))
                + _sync(s, GarbageSynonym, src.name, parsed.synonyms, ("item_name", "synonym"))
                + _sync(s, GarbageArea, src.name, parsed.areas, ("name",))
                + _sync(s, GarbageCenter, src.name, parsed.centers, ("name", "break_start"))
            )
            old = s.get(GarbageSource, src.name)
            reranked = old is not None and old.priority != src.priority  # the index ranks sources anew
            touch_source(
                s,
                src.name,
                changed > 0 or reranked,
                format=src.format,
                priority=src.priority,
                location=", ".join(map(str, src.paths)),
                checksum=digest,
                counts=parsed.counts(),
            )
            summary[src.name] = {"status": "imported", "changed": changed, **parsed.counts()}
    for src, parsed, _ in work:
        report_skipped(src, parsed.problems)
    return summary


def report_skipped(src: SourceConfig, problems: list[tuple[int, str]], shown: int = 20) -> None:
    """The rows a source left out, as warnings: the first `shown` of them (`--dry-run` lists every one)."""
    for line, message in sorted(problems)[:shown]:
        log.warning("garbage import [%s] line %d skipped: %s", src.name, line, message)
    if len(problems) > shown:
        log.warning(
            "garbage import [%s]: %d more rows skipped; `--dry-run` lists them all", src.name, len(problems) - shown
        )


def import_configured(settings, force: bool = False, progress: Progress | None = None, strict: bool = False) -> dict:
    """Import every source listed in data/garbage.yml; unchanged files are skipped, so it is cheap to repeat."""
    config = load_config(settings.data_dir)
    return import_sources(settings.database_url, config, config.sources, force, progress, strict)
