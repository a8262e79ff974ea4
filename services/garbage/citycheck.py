"""The garbage feature's part of `bot city check`: labels of the city's sources that map onto no category,
categories the profile does not say how to collect (answered as if on a schedule, maybe wrongly), and what the city
copied from the demo city that names the demo's districts or garbage categories (NLU examples, the
domain's replies, FAQ answers). The demo city is the project's own data folder.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bot.citycheck import demo_dir, where
from bot.features import CityCheck
from bot.settings import Settings
from bot.training_data import ENTITY_ANNOTATION, read_yaml, yaml_files

from .collection import KINDS, SECTION, collection_kinds
from .config import GarbageConfig, load_config
from .importers import parse_source
from .normalize import text_key

AREA_ENTITIES = ("area", "garbage_area")  # the entities whose examples are districts
_QUALIFIER = re.compile(r"[（(].*?[）)]")
# The word ends there: no kanji or katakana follows, other than 類 or 等, which only qualify it (びん類).
_NOUN_GOES_ON = r"(?!(?![類等])[\u3400-\u9fff\u30a1-\u30fa\u30fc])"


def city_check(settings: Settings) -> list[CityCheck]:
    if not (settings.data_dir / "garbage.yml").exists():
        return [CityCheck("garbage.yml", "missing: the bot knows no garbage items (ADOPTING.md, step 3)")]
    config = load_config(settings.data_dir)
    found, areas = unmapped_labels(config)
    found += uncollected_categories(settings, config)
    demo = demo_dir(settings)
    if demo.resolve() == settings.data_dir.resolve():
        demo_areas: set[str] = set()
        demo_categories: dict[str, str] = {}
    else:
        demo_config = load_config(demo)
        demo_areas = {a for src in demo_config.sources for a in parse_source(demo_config, src).areas}
        demo_categories = demo_config.categories
    found += foreign_districts(settings, areas, demo_areas - areas)
    found += foreign_categories(settings, config.categories, demo_categories)
    return found


def unmapped_labels(config: GarbageConfig) -> tuple[list[CityCheck], set[str]]:
    """Per source, each label mapped onto no category with its rows, and the other rows that cannot be used;
    and the collection areas the sources give."""
    found: list[CityCheck] = []
    areas: set[str] = set()
    for i, src in enumerate(config.sources):
        parsed = parse_source(config, src)
        areas.update(parsed.areas)
        here = f"garbage.yml sources[{i}] ({src.name})"
        unmapped = Counter({label: n for (label, category), n in parsed.labels.items() if category is None})
        for label, rows in unmapped.most_common():
            what = f"label `{label}` maps onto no category" if label else "rows without a category"
            found.append(CityCheck(here, f"{what}: {rows} row(s) skipped; map it under `categories:`"))
        other = len(parsed.problems) - unmapped.total()
        if other:
            found.append(CityCheck(here, f"{other} other row(s) cannot be used: `bot import garbage --dry-run`"))
    return found, areas


def uncollected_categories(settings: Settings, config: GarbageConfig) -> list[CityCheck]:
    """Categories with no `garbage_collection` entry, neither their own nor that of the category they are
    `collected_with`."""
    kinds = collection_kinds(settings.data_dir)
    missing = [c for c in config.categories if c not in kinds and config.collection_category(c) not in kinds]
    if not missing:
        return []
    profile = read_yaml(settings.data_dir / "city.yml", with_lines=True) or {}
    line = (profile.get(SECTION) or profile.get("garbage_categories") or {}).get("__line__")
    here = where(settings, settings.data_dir / "city.yml", line)
    return [
        CityCheck(here, f"`{SECTION}` has no entry for `{c}` ({config.categories[c]}): add one of {', '.join(KINDS)}")
        for c in missing
    ]


def _names(values: Iterable[str]) -> set[str]:
    """Names as they appear in text: without qualifiers, and each part of a `・` list; two characters or more."""
    out: set[str] = set()
    for value in values:
        base = _QUALIFIER.sub("", str(value)).strip()
        out.update(n for n in [base, *base.split("・")] if len(n) >= 2)
    return out


def _take(names: list[str], text: str) -> tuple[list[str], str]:
    """The names found in `text`, in the given order (longest first, so 浅野川 is not also 浅野), and the text
    without them."""
    found = []
    for name in names:
        if name in text:
            found.append(name)
            text = text.replace(name, "")
    return found, text


def _alone(name: str, text: str) -> bool:
    """`name` stands as a word somewhere in `text`, not only as the start of a longer noun: 小型家電回収ボックス and
    小型家電リサイクル法 are what every city calls them, 小型家電 alone is the demo's category."""
    return re.search(re.escape(name) + _NOUN_GOES_ON, text) is not None


def _files_naming_districts(settings: Settings, areas: set[str]) -> list[Path]:
    """The NLU examples, the domain's replies and the booking rules (capacities per area). Without collection areas
    the examples' place names only teach how a collection-day question is worded: any name does, so they are not
    looked at."""
    files = yaml_files([settings.data_dir / "nlu"]) if areas else []
    files += [] if settings.domain_file in files else [settings.domain_file]
    booking = settings.data_dir / "bulky.yml"
    return [*files, booking] if booking.is_file() else files


def foreign_districts(settings: Settings, areas: set[str], demo_only: set[str]) -> list[CityCheck]:
    """Area examples that are not the city's collection areas, and the demo's district names, in the NLU data,
    the domain's replies and the booking rules."""
    demo_names = sorted(_names(demo_only), key=lambda n: (-len(n), n))
    found = []
    for path in _files_naming_districts(settings, areas):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            named = {m["text"] for m in ENTITY_ANNOTATION.finditer(line) if m["name"] in AREA_ENTITIES}
            foreign = sorted(n for n in named if n not in areas)
            foreign += _take(demo_names, _take(sorted(named), line)[1])[0]
            if foreign:
                found.append(
                    CityCheck(
                        where(settings, path, number),
                        f"「{'」「'.join(foreign)}」: not one of the city's {len(areas)} collection areas "
                        "(garbage.yml's sources); use the city's own district names",
                    )
                )
    return found


def foreign_categories(settings: Settings, city: dict[str, str], demo: dict[str, str]) -> list[CityCheck]:
    """FAQ answers naming a garbage category of the demo city that this city does not have. Titles and example
    questions may: they are the citizens' words (粗大ごみ, 小型家電), which the bot must understand."""
    own = sorted(_names(city.values()) | set(city.values()), key=len, reverse=True)
    own_keys = {text_key(n) for n in own}
    others = sorted((n for n in _names(demo.values()) if text_key(n) not in own_keys), key=len, reverse=True)
    if not others:
        return []
    found = []
    for path in yaml_files([settings.data_dir / "faq"]):
        doc = read_yaml(path, with_lines=True) or {}
        for entry in (doc.get("faq") or {}).get("entries") or []:
            text = str(entry.get("answer", ""))
            rest = _take(own, text)[1]  # 空きびん is this city's, whatever びん is elsewhere
            named = [n for n in _take(others, rest)[0] if _alone(n, rest)]
            if named:
                found.append(
                    CityCheck(
                        where(settings, path, entry.get("__line__")),
                        f"FAQ `{entry.get('id')}`'s answer names 「{'」「'.join(named)}」, not a garbage category of "
                        "this city (city.yml garbage_categories): rewrite it for the city's categories",
                    )
                )
    return found
