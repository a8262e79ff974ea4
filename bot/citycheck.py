"""`bot city check`: what in a city's data folder still holds the demo city's or sample values.

The engine checks what every city has: anything marked `sample: true` (city.yml, an FAQ entry...), files that are
the demo city's unchanged (not the FAQ: its answers are templates filled from the city's own city.yml), the demo
city's phone numbers and URLs wherever they were copied to, its name in FAQ answers, city.yml's `formats` (as
`bot run` reads them), and replies a city's own domain.yml lacks. Each feature adds what only it knows through
`Feature.city_check` (the garbage feature: unmapped labels, other cities' district names and categories). The demo
city is the project's own `data/` folder.

Fees equal to the demo's are not reported: most are the same in most cities (住民票 300円), so an equal value is no
sign of a leftover; the profile's `sample: true` stays until staff have checked every value (ADOPTING.md, step 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .city import load_city
from .domain import Domain
from .errors import ConfigError
from .features import CityCheck, features
from .formats import load_formats
from .settings import Settings
from .training_data import read_yaml, yaml_files

PHONE = re.compile(r"(?<![\d-])0\d{1,4}-\d{1,4}-\d{3,4}(?![\d-])")
URL = re.compile(r"https?://[^\s\"'（）()<>]+")
# Copied on purpose: the features' dialogue and the training data every city starts from (ADOPTING.md).
SHARED_FOLDERS = ("nlu", "rules")
# Copied on purpose too: templates filled from the city's city.yml ({offices.tax.phone}); what they hold of the demo
# itself (its phone numbers, URLs, name, entries marked `sample: true`) is found line by line.
TEMPLATE_FOLDERS = ("faq",)
DATE_PATTERNS = ("date", "long_date")  # the date patterns replies use, besides `money`


def demo_dir(settings: Settings) -> Path:
    return settings.project_dir / "data"


def city_files(settings: Settings) -> list[Path]:
    """The city's YAML files, and the domain in use: where demo values end up."""
    files = yaml_files([settings.data_dir])
    return files if settings.domain_file in files else [*files, settings.domain_file]


def where(settings: Settings, path: Path, line: int | None = None) -> str:
    """`faq/garbage.yml:22` for the city's files (relative to its data folder); the full path of any other."""
    name = str(path.relative_to(settings.data_dir)) if path.is_relative_to(settings.data_dir) else str(path)
    return f"{name}:{line}" if line else name


def _marked(node: Any) -> Iterator[tuple[int, str]]:
    """(line, label) of every mapping marked `sample: true`."""
    if isinstance(node, dict):
        if node.get("sample") is True:
            yield node.get("__line__", 0), str(node.get("id") or node.get("name") or "")
        for value in node.values():
            yield from _marked(value)
    elif isinstance(node, list):
        for value in node:
            yield from _marked(value)


def samples(settings: Settings) -> list[CityCheck]:
    found = []
    for path in yaml_files([settings.data_dir]):
        for line, label in _marked(read_yaml(path, with_lines=True)):
            what = f"`{label}` is" if label else "its values are"
            found.append(
                CityCheck(where(settings, path, line), f"marked `sample: true`: {what} a sample; replace, then unmark")
            )
    return found


def unchanged_demo_files(settings: Settings) -> list[CityCheck]:
    demo = demo_dir(settings)
    if demo.resolve() == settings.data_dir.resolve():
        return []
    found = []
    for path in yaml_files([settings.data_dir]):
        relative = path.relative_to(settings.data_dir)
        twin = demo / relative
        copied = relative.parts[0] in SHARED_FOLDERS + TEMPLATE_FOLDERS
        if not copied and twin.is_file() and twin.read_bytes() == path.read_bytes():
            found.append(
                CityCheck(str(relative), "the demo city's file, unchanged: its values are the demo's; write the city's")
            )
    return found


def demo_contacts(settings: Settings) -> list[CityCheck]:
    """The demo's phone numbers and web hosts (from its city.yml, where its contacts are) wherever they appear in
    the city's files."""
    profile = (demo_dir(settings) / "city.yml").read_text(encoding="utf-8")
    phones = set(PHONE.findall(profile))
    hosts = {urlsplit(u).hostname for u in URL.findall(profile)}
    found = []
    for path in city_files(settings):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            hits = [p for p in PHONE.findall(line) if p in phones]
            hits += [u for u in URL.findall(line) if urlsplit(u).hostname in hosts]
            if hits:
                found.append(
                    CityCheck(
                        where(settings, path, number),
                        f"the demo city's {', '.join(sorted(set(hits)))}: write the city's own (or an {{offices…}} "
                        "or {urls…} template of city.yml)",
                    )
                )
    return found


def demo_name_in_faq(settings: Settings) -> list[CityCheck]:
    """FAQ titles and answers naming the demo city (「さくら市にふるさと納税したい」): citizens would read it. Example
    questions may keep it: they only teach the wording."""
    demo = demo_dir(settings)
    name = str((load_city(demo).get("city") or {}).get("name") or "")
    if not name or demo.resolve() == settings.data_dir.resolve():
        return []
    entries = [
        (path, entry)
        for path in yaml_files([settings.data_dir / folder for folder in TEMPLATE_FOLDERS])
        for entry in ((read_yaml(path, with_lines=True) or {}).get("faq") or {}).get("entries") or []
    ]
    return [
        CityCheck(
            where(settings, path, entry.get("__line__")),
            f"FAQ `{entry.get('id')}` names the demo city 「{name}」: write {{city.name}} or the city's own text",
        )
        for path, entry in entries
        if name in f"{entry.get('title', '')} {entry.get('answer', '')}"
    ]


def stale_domain(settings: Settings) -> list[CityCheck]:
    """Replies of the project's domain.yml that the city's own copy lacks: the features would say nothing there (a
    copy stops following the project's updates; ADOPTING.md, step 6)."""
    project = settings.project_dir / "domain.yml"
    if settings.domain_file.resolve() == project.resolve():
        return []
    missing = sorted(set(Domain.load(project).responses) - set(Domain.load(settings.domain_file).responses))
    return [
        CityCheck(
            where(settings, settings.domain_file),
            f"lacks `{name}`, a reply of the project's domain.yml: copy it over (diff the two files)",
        )
        for name in missing
    ]


def formats(settings: Settings) -> list[CityCheck]:
    """city.yml's `formats`, read as `bot run` and the replies read them: a pattern that would fail, said here."""
    try:
        written = load_formats(settings.data_dir)
        for name in DATE_PATTERNS:
            written.date(date(2000, 1, 1), name)
        written.money(1000)
    except ConfigError as exc:
        return [CityCheck(where(settings, settings.data_dir / "city.yml"), str(exc))]
    return []


def run(settings: Settings) -> list[CityCheck]:
    """Every finding, the engine's first, then each feature's."""
    found = samples(settings) + unchanged_demo_files(settings) + demo_contacts(settings) + demo_name_in_faq(settings)
    found += formats(settings) + stale_domain(settings)
    for feature in features():
        if feature.city_check:
            found += feature.city_check(settings)
    return found
