"""data/garbage.yml: which files hold a city's garbage data, in which shape, and how their category labels map
onto the city's category ids (the keys of `garbage_categories` in data/city.yml). Checked when loaded, so a
typo fails at start-up with the allowed keys, not on a citizen's question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.city import load_city
from bot.config_keys import checked_mapping
from bot.errors import ConfigError
from bot.settings import Settings

from .models import STAFF_SOURCE
from .schedule import BREAK_RULES

FORMATS = ("standard", "5374", "mapping", "yaml")
# Fields a mapping may fill from a city's own columns; `name` and `category` are required.
MAPPING_FIELDS = ("key", "name", "reading", "category", "notes", "remarks", "bulky_fee", "synonyms", "area", "english")
_SOURCE_KEYS = {"name", "format", "path", "categories", "columns", "encoding"}
_TOP_KEYS = {"sources", "collected_with", "category_aliases", "schedule", "areas", "export"}
CLI_PRIORITY = 100  # sources imported from the command line rank after the configured ones


@dataclass(frozen=True)
class SourceConfig:
    name: str
    format: str
    paths: tuple[Path, ...]
    categories: dict[str, str] = field(default_factory=dict)  # published label -> city category id
    columns: dict[str, str] = field(default_factory=dict)  # field -> column header (format "mapping")
    encoding: str | None = None
    priority: int = CLI_PRIORITY

    def describe(self) -> dict[str, Any]:
        """What decides the imported rows, for the unchanged-source check."""
        return {
            "format": self.format,
            "categories": self.categories,
            "columns": self.columns,
            "encoding": self.encoding,
            "priority": self.priority,
        }


@dataclass(frozen=True)
class GarbageConfig:
    categories: dict[str, str]  # city category id -> local name (city.yml)
    sources: tuple[SourceConfig, ...] = ()
    collected_with: dict[str, str] = field(default_factory=dict)
    category_aliases: dict[str, list[str]] = field(default_factory=dict)
    break_rule: str = "shift"
    repeat_breaks_yearly: bool = False
    max_area_buttons: int = 10
    lg_code: str = ""

    def collection_category(self, category: str) -> str:
        """The category whose collection day an item of `category` goes out on."""
        return self.collected_with.get(category, category)


def city_categories(data_dir: Path) -> dict[str, str]:
    categories = load_city(data_dir).get("garbage_categories") or {}
    if not categories:
        raise ConfigError(f"{data_dir / 'city.yml'}: `garbage_categories` is missing or empty.")
    return {str(k): str(v) for k, v in categories.items()}


def source_config(
    spec: dict, base: Path, categories: dict[str, str], where: str, priority: int = CLI_PRIORITY
) -> SourceConfig:
    """One source entry (also the shape of a `--mapping` file), with paths resolved against `base`."""
    spec = checked_mapping(where, spec, _SOURCE_KEYS)
    fmt = str(spec.get("format", ""))
    if fmt not in FORMATS:
        raise ConfigError(f"{where}: format must be one of {', '.join(FORMATS)}, not `{fmt}`.")
    name = str(spec.get("name") or "")
    if not name or name == STAFF_SOURCE:
        raise ConfigError(f"{where}: every source needs a `name` (and `{STAFF_SOURCE}` is reserved for staff edits).")
    raw_paths = spec.get("path")
    raw_paths = raw_paths if isinstance(raw_paths, list) else [raw_paths] if raw_paths else []
    if not raw_paths:
        raise ConfigError(f"{where}: source `{name}` needs a `path`.")
    paths = tuple(base / str(p) for p in raw_paths)
    for p in paths:
        if not p.exists():
            raise ConfigError(
                f"{where}: source `{name}` has `path: {p.relative_to(base) if p.is_relative_to(base) else p}`, "
                f"but there is no file or folder at {p} (paths are relative to {base})."
            )
    mapped = {str(k): str(v) for k, v in (spec.get("categories") or {}).items()}
    wrong = sorted(set(mapped.values()) - set(categories))
    if wrong:
        raise ConfigError(
            f"{where}: categories map onto unknown id(s) {wrong}; city.yml garbage_categories has {sorted(categories)}."
        )
    columns = {
        str(k): str(v) for k, v in checked_mapping(f"{where} columns", spec.get("columns"), set(MAPPING_FIELDS)).items()
    }
    if fmt == "mapping" and not {"name", "category"} <= set(columns):
        raise ConfigError(f"{where}: a mapping needs at least `columns: {{name: ..., category: ...}}`.")
    return SourceConfig(name, fmt, paths, mapped, columns, spec.get("encoding"), priority)


def config_files(data_dir: Path) -> list[Path]:
    """The files a city's garbage config is read from."""
    return [Path(data_dir) / "garbage.yml", Path(data_dir) / "city.yml"]


def load_config(data_dir: Path, path: Path | None = None) -> GarbageConfig:
    """Read data/garbage.yml (or `path`); a city without the file gets the defaults and no sources."""
    data_dir = Path(data_dir)
    categories = city_categories(data_dir)
    path = Path(path) if path else data_dir / "garbage.yml"
    if not path.exists():
        return GarbageConfig(categories)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from exc
    doc = checked_mapping(str(path), doc, _TOP_KEYS)
    sources = tuple(
        source_config(spec, path.parent, categories, f"{path} sources[{i}]", priority=10 + i)
        for i, spec in enumerate(doc.get("sources") or [])
    )
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: source names must be unique, got {names}.")
    collected_with = {str(k): str(v) for k, v in (doc.get("collected_with") or {}).items()}
    aliases = {str(k): [str(a) for a in v or []] for k, v in (doc.get("category_aliases") or {}).items()}
    unknown = sorted((set(collected_with) | set(collected_with.values()) | set(aliases)) - set(categories))
    if unknown:
        raise ConfigError(
            f"{path}: unknown category id(s) {unknown}; city.yml garbage_categories has {sorted(categories)}."
        )
    schedule = checked_mapping(f"{path} schedule", doc.get("schedule"), {"break_rule", "repeat_breaks_yearly"})
    if schedule.get("break_rule", "shift") not in BREAK_RULES:
        raise ConfigError(f"{path}: schedule.break_rule must be one of {', '.join(BREAK_RULES)}.")
    areas = checked_mapping(f"{path} areas", doc.get("areas"), {"max_buttons"})
    export = checked_mapping(f"{path} export", doc.get("export"), {"lg_code"})
    return GarbageConfig(
        categories=categories,
        sources=sources,
        collected_with=collected_with,
        category_aliases=aliases,
        break_rule=schedule.get("break_rule", "shift"),
        repeat_breaks_yearly=bool(schedule.get("repeat_breaks_yearly", False)),
        max_area_buttons=int(areas.get("max_buttons", 10)),
        lg_code=str(export.get("lg_code", "")),
    )


def check(settings: Settings) -> None:
    """At start-up: data/garbage.yml and every file it names can be read (a missing one stops the server, naming
    the file and the `sources[n]` entry, instead of failing a citizen's question later)."""
    if (settings.data_dir / "garbage.yml").exists():
        load_config(settings.data_dir)
