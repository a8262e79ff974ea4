"""From a typed address to the collection area that serves it, or why there is none.

The areas are the garbage feature's (table garbage_areas, Kanazawa's 5374 地名), read-only; before those are
imported the CSV named in data/bulky.yml stands in. An address names its area near the start
(「泉野町3丁目5-1」, 「さくら市浅野川2-3」); the earliest, longest area name wins, then a close spelling (rapidfuzz).
An address in another prefecture or city is recognised as outside the city.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.nlu.folding import fold
from bot.store.db import session_factory

from .config import BookingConfig

FUZZY_CUTOFF = 80  # rapidfuzz ratio for a misspelt area name at the start of the address
_INNER = re.compile(r"[（(]([^）)]+)[）)]")
_QUALIFIER = re.compile(r"[（(][^）)]*[）)]")
_PREFECTURE = re.compile(r"^(北海道|東京都|京都府|大阪府|[^\s\d都道府県市区町村]{2,3}県)")
_MUNICIPALITY = re.compile(r"^([^\s\d]{1,6}?(?:市|郡))")
_POSTAL = re.compile(r"〒?\s*\d{3}-?\d{4}\s*")
_NUMBER = re.compile(r"\d|丁目|番地|[一二三四五六七八九十]+番")
_HEAD = re.compile(r"^[^\d]*?(?=\d|丁目|番地|$)")
_POLITE = re.compile(r"^(住所は|住所：|住所:)|(です|になります|に住んでいます)?[。.]*$")

# Outcomes besides a found area.
OUTSIDE, NO_NUMBER, UNKNOWN = "outside", "no_number", "unknown"


@dataclass(frozen=True)
class AddressMatch:
    area: str | None
    address: str  # cleaned, as it will be stored and shown
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _area_keys(names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(folded key, area name) for every name, its base, its bracketed part and its reading."""
    keys = []
    for name, reading in names:
        for variant in {name, _QUALIFIER.sub("", name), *_INNER.findall(name), reading}:
            variant = re.sub(r"含む$", "", (variant or "").strip())
            if variant:
                keys.append((fold(variant), name))
    return keys


@lru_cache(maxsize=8)
def _csv_names(path: str, column: str) -> tuple[tuple[str, str], ...]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return tuple((row[column].strip(), "") for row in csv.DictReader(fh) if (row.get(column) or "").strip())


def area_names(database_url: str, config: BookingConfig) -> list[tuple[str, str]]:
    """(name, reading) of the city's collection areas: the garbage import, else the configured CSV."""
    from services.garbage.models import GarbageArea

    try:
        with session_factory(database_url)() as s:
            rows = s.execute(select(GarbageArea.name, GarbageArea.reading).order_by(GarbageArea.position)).all()
    except SQLAlchemyError:
        rows = []
    if rows:
        seen: dict[str, str] = {}
        for name, reading in rows:
            seen.setdefault(name, reading or "")
        return list(seen.items())
    if config.areas_csv and Path(config.areas_csv).exists():
        return list(_csv_names(str(config.areas_csv), config.areas_column))
    return []


def clean_address(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = _POSTAL.sub("", text)
    return _POLITE.sub("", text).strip()


def match_address(text: str, names: list[tuple[str, str]], prefecture: str, city: str) -> AddressMatch:
    address = clean_address(text)
    rest = address
    pref = _PREFECTURE.match(rest)
    if pref:
        if pref.group(1) != prefecture:
            return AddressMatch(None, address, OUTSIDE)
        rest = rest[pref.end():].lstrip()
    if rest.startswith(city):
        rest = rest[len(city):].lstrip()
    else:
        municipality = _MUNICIPALITY.match(rest)
        if municipality and not any(fold(rest).startswith(key) for key, _ in _area_keys(names)):
            return AddressMatch(None, address, OUTSIDE)
    if not _NUMBER.search(rest):
        return AddressMatch(None, address, NO_NUMBER)
    area = find_area(rest, names)
    return AddressMatch(area, address, None if area else UNKNOWN)


def find_area(rest: str, names: list[tuple[str, str]]) -> str | None:
    folded = fold(rest)
    best: tuple[int, int, str] | None = None  # (position, -length, area)
    for key, name in _area_keys(names):
        pos = folded.find(key)
        if pos < 0:
            continue
        # A one-character area (西, 額) counts only at the start and followed by 町, a number or 丁目.
        if len(key) == 1 and not (pos == 0 and re.match(r"(町|\d|丁目)", folded[1:])):
            continue
        candidate = (pos, -len(key), name)
        if best is None or candidate < best:
            best = candidate
    if best:
        return best[2]
    head = _HEAD.match(folded)
    head_text = re.sub(r"町$", "", head.group(0) if head else "")
    keys = _area_keys(names)
    if not head_text or not keys:
        return None
    found = process.extractOne(head_text, [k for k, _ in keys], scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return keys[found[2]][1] if found else None
