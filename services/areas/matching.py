"""Which collection area a citizen means: a typed area name (in kana, misspelt) or an address.

One index for every feature, so the garbage area form, the booking form's address and a LINE location all
agree. A typed name matches its area's name, reading or bracketed parts (緑（二塚） → 緑, 二塚), else the closest
spelling. An address names its area near the start (「泉野町3丁目5-1」): the earliest, longest area name wins,
then a close spelling; an address in another prefecture or municipality is outside the city.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from rapidfuzz import fuzz, process

from bot.nlu.folding import fold
from services.garbage.normalize import base_name, is_kana, name_parts, reading, reading_key, seion, text_key

AREA_FUZZY = 80  # a typed area (or an address's first words) at least this similar to one area is that area
AREA_NEAR = 55  # typed areas at least this similar are offered as candidates
_INNER = re.compile(r"[（(]([^）)]+)[）)]")
# How people end an answer about where they live: 浅野です, 浅野地区に住んでいます.
_TAIL = re.compile(
    r"(の方|地区|校下|地域|エリア|町内)?(です|だよ|だけど|に住んでいます|に住んでる|在住|ですが)?"
    r"[。.!！、]*$"
)
_PREFECTURE = re.compile(r"^(北海道|東京都|京都府|大阪府|[^\s\d都道府県市区町村]{2,3}県)")
_MUNICIPALITY = re.compile(r"^([^\s\d]{1,6}?(?:市|郡))")
_POSTAL = re.compile(r"〒?\s*\d{3}-?\d{4}\s*")
_NUMBER = re.compile(r"\d|丁目|番地|[一二三四五六七八九十]+番")
_HEAD = re.compile(r"^[^\d]*?(?=\d|丁目|番地|$)")
_POLITE = re.compile(r"^(住所は|住所：|住所:)|(です|になります|に住んでいます)?[。.]*$")

# Why an address has no area.
OUTSIDE, NO_NUMBER, UNKNOWN = "outside", "no_number", "unknown"


class Named(Protocol):
    @property
    def name(self) -> str: ...


A = TypeVar("A", bound=Named)


@dataclass
class AreaMatch(Generic[A]):
    area: A | None
    candidates: list[A]  # several areas fit, or near matches when none does


@dataclass(frozen=True)
class AddressMatch:
    area: str | None
    address: str  # cleaned, as it will be stored and shown
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class AreaIndex(Generic[A]):
    """The areas (anything with a `name`: a feature keeps its own facts about each) by the keys of their names."""

    def __init__(self, areas: Sequence[A]):
        self.areas = list(areas)
        self._keys: list[tuple[str, int]] = []  # typed answers: folded spelling and reading without voicing
        self._address_keys: list[tuple[str, int]] = []  # addresses: folded name, base, bracketed part, reading
        for i, area in enumerate(self.areas):
            names = {area.name, base_name(area.name), *name_parts(area.name), *_INNER.findall(area.name)}
            for name in filter(None, names):
                for key in {text_key(name), seion(reading_key(name))}:
                    if key:
                        self._keys.append((key, i))
            for variant in {area.name, base_name(area.name), *_INNER.findall(area.name), reading(area.name)}:
                variant = re.sub(r"含む$", "", variant.strip())
                if variant:
                    self._address_keys.append((fold(variant), i))
        self._fuzzy_keys = [k for k, _ in self._keys]

    def __len__(self) -> int:
        return len(self.areas)

    def named(self, name: str) -> A | None:
        return next((a for a in self.areas if a.name == name), None)

    def match(self, text: str, in_sentence: bool = False) -> AreaMatch[A]:
        """The area named in `text`: the longest area name inside it, else the closest spelling.

        `in_sentence` is for whole questions (「浅野の燃やすごみの日は？」): only names written out count there,
        since short readings and near spellings turn up inside ordinary words.
        """
        text = unicodedata.normalize("NFKC", text or "").strip()
        text = _TAIL.sub("", text) or text
        exact = self.named(text)
        if exact or not text:
            return AreaMatch(exact, [])
        folded = text_key(text)
        spoken = "" if in_sentence else seion(reading_key(text))
        found: dict[int, int] = {}
        for key, i in self._keys:
            if in_sentence and is_kana(key):
                continue
            # A one-character area name (西, 額) must be the whole answer, not a character inside another word.
            if key in (folded, spoken) or (len(key) >= 2 and (key in folded or (spoken and key in spoken))):
                found[i] = max(len(key), found.get(i, 0))
        if found:
            longest = max(found.values())
            best = [self.areas[i] for i, n in sorted(found.items()) if n == longest]
            return AreaMatch(best[0] if len(best) == 1 else None, best)
        if in_sentence:
            return AreaMatch(None, [])
        scores: dict[int, float] = {}
        for query in {folded, spoken}:
            for _, score, pos in process.extract(
                query, self._fuzzy_keys, scorer=fuzz.ratio, limit=10, score_cutoff=AREA_NEAR
            ):
                i = self._keys[pos][1]
                scores[i] = max(score, scores.get(i, 0))
        ranked = sorted(scores, key=lambda i: -scores[i])
        if ranked and scores[ranked[0]] >= AREA_FUZZY and (len(ranked) == 1 or scores[ranked[1]] < scores[ranked[0]]):
            return AreaMatch(self.areas[ranked[0]], [])
        return AreaMatch(None, [self.areas[i] for i in ranked[:5]])

    def in_address(self, rest: str) -> A | None:
        """The area an address names, from the words after its municipality: 泉野町3丁目5-1 → 泉野."""
        folded = fold(rest)
        best: tuple[int, int, int] | None = None  # (position, -length, area)
        for key, i in self._address_keys:
            pos = folded.find(key)
            if pos < 0:
                continue
            # A one-character area (西, 額) counts only at the start and followed by 町, a number or 丁目.
            if len(key) == 1 and not (pos == 0 and re.match(r"(町|\d|丁目)", folded[1:])):
                continue
            candidate = (pos, -len(key), i)
            if best is None or candidate < best:
                best = candidate
        if best:
            return self.areas[best[2]]
        head = _HEAD.match(folded)
        head_text = re.sub(r"町$", "", head.group(0) if head else "")
        if not head_text or not self._address_keys:
            return None
        found = process.extractOne(
            head_text, [k for k, _ in self._address_keys], scorer=fuzz.ratio, score_cutoff=AREA_FUZZY
        )
        return self.areas[self._address_keys[found[2]][1]] if found else None

    def names_start(self, text: str) -> bool:
        """Whether `text` begins with an area name (「野々市町」 may be an area, not another municipality)."""
        folded = fold(text)
        return any(folded.startswith(key) for key, _ in self._address_keys)


def clean_address(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = _POSTAL.sub("", text)
    return _POLITE.sub("", text).strip()


def match_address(text: str, areas: AreaIndex, prefecture: str, city: str) -> AddressMatch:
    """The area of a typed address in `city`, or why there is none (OUTSIDE, NO_NUMBER, UNKNOWN)."""
    address = clean_address(text)
    rest = address
    pref = _PREFECTURE.match(rest)
    if pref:
        if pref.group(1) != prefecture:
            return AddressMatch(None, address, OUTSIDE)
        rest = rest[pref.end() :].lstrip()
    if rest.startswith(city):
        rest = rest[len(city) :].lstrip()
    elif _MUNICIPALITY.match(rest) and not areas.names_start(rest):
        return AddressMatch(None, address, OUTSIDE)
    if not _NUMBER.search(rest):
        return AddressMatch(None, address, NO_NUMBER)
    area = areas.in_address(rest)
    return AddressMatch(area.name if area else None, address, None if area else UNKNOWN)
