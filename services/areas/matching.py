"""Which collection area a citizen means: a typed area name (in kana, misspelt) or an address.

One index for every feature, so the garbage area form, the booking form's address and a LINE location all
agree. A typed name matches its area's name, reading or bracketed parts (緑（二塚） → 緑, 二塚), else the closest
spelling. An address names its area near the start (「泉野町3丁目5-1」): the earliest, longest area name wins,
then a close spelling; an address in another prefecture or municipality is outside the city. A reading counts only
from the start of what was typed: kana run on, and いずみのまち holds のまち (野町) too. Two areas that fit equally
are never guessed between (a typed name offers both, an address gets no area): a wrong area gives wrong days or
books the pickup in the wrong place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from rapidfuzz import fuzz, process

from bot.nlu.folding import fold
from services.garbage.normalize import base_name, is_kana, name_parts, phonetic, reading, reading_key, seion, text_key

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
_POLITE = re.compile(
    r"^((やっぱり|やはり|えっと|えーと|あの|すみません)[、,\s]*)?(住所は|住所：|住所:)?|(です|になります|に住んでいます)?[。.]*$"
)

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


def _readings(name: str) -> set[str]:
    """How an area's name is read, alone and as a place: Sudachi reads 泉野 as a given name (みずの), 泉野町 as
    the town (いずみのまち)."""
    return {reading(name), re.sub(r"(まち|ちょう)$", "", reading(name + "町"))} - {""}


class AreaIndex(Generic[A]):
    """The areas (anything with a `name`: a feature keeps its own facts about each) by the keys of their names."""

    def __init__(self, areas: Sequence[A]):
        self.areas = list(areas)
        self._keys: list[tuple[str, int]] = []  # typed answers: folded spelling and reading without voicing
        self._address_keys: list[tuple[str, int]] = []  # addresses: folded name, base, bracketed part, reading
        for i, area in enumerate(self.areas):
            names = {area.name, base_name(area.name), *name_parts(area.name), *_INNER.findall(area.name)}
            for name in filter(None, names):
                for key in {text_key(name), *(seion(phonetic(r)) for r in _readings(name))}:
                    if key:
                        self._keys.append((key, i))
            for variant in {area.name, base_name(area.name), *_INNER.findall(area.name), *_readings(area.name)}:
                variant = re.sub(r"含む$", "", variant.strip())
                if variant:
                    self._address_keys.append((fold(variant), i))
        self._fuzzy_keys = [k for k, _ in self._keys]

    def __len__(self) -> int:
        return len(self.areas)

    def named(self, name: str) -> A | None:
        return next((a for a in self.areas if a.name == name), None)

    def match(self, text: str, in_sentence: bool = False) -> AreaMatch[A]:
        """The area named in `text`: a name written in it or a reading from its start, else the closest spelling.

        Several areas named (「泉野と朝日」), or a written name and a reading that disagree, come back as
        candidates. `in_sentence` is for whole questions (「浅野の燃やすごみの日は？」): only names written out
        count there, since short readings and near spellings turn up inside ordinary words.
        """
        text = unicodedata.normalize("NFKC", text or "").strip()
        text = _TAIL.sub("", text) or text
        exact = self.named(text)
        if exact or not text:
            return AreaMatch(exact, [])
        folded = text_key(text)
        spoken = "" if in_sentence else seion(reading_key(text))
        read: dict[int, int] = {}  # area: its longest reading that begins the answer
        for key, i in self._keys:
            if in_sentence or not is_kana(key) or not (folded.startswith(key) or spoken.startswith(key)):
                continue
            if len(key) >= 2 or key in (folded, spoken):  # a one-character reading is the whole answer
                read[i] = max(len(key), read.get(i, 0))
        longest = max(read.values(), default=0)
        heard = [i for i, n in read.items() if n == longest]
        written = self._written(folded)
        named = written if len(written) > 1 else list(dict.fromkeys([*written, *heard]))
        if named:
            return AreaMatch(self.areas[named[0]] if len(named) == 1 else None, [self.areas[i] for i in named])
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

    def _written(self, folded: str) -> list[int]:
        """The areas whose names are written in `folded`, in order. Where names overlap the earliest, longest one
        counts (泉野町 names 泉野, not 野町); names as long at the same place all count. A one-character name
        (西, 額) must be the whole answer, not a character inside another word."""
        hits = sorted(
            (m.start(), -len(key), i)
            for key, i in self._keys
            if not is_kana(key) and (len(key) >= 2 or key == folded)
            for m in re.finditer(re.escape(key), folded)
        )
        named: list[int] = []
        end, last = 0, (-1, 0)
        for start, negative, i in hits:
            if (start, negative) == last or start >= end:
                named.append(i)
                end, last = max(end, start - negative), (start, negative)
        return list(dict.fromkeys(named))

    def in_address(self, rest: str) -> A | None:
        """The area an address names, from the words after its municipality: 泉野町3丁目5-1 → 泉野."""
        folded = fold(rest)
        found: dict[int, tuple[int, int]] = {}  # area: (position, -length) of its earliest, longest key
        for key, i in self._address_keys:
            pos = (0 if folded.startswith(key) else -1) if is_kana(key) else folded.find(key)
            if pos < 0:
                continue
            # A one-character area (西, 額) counts only at the start and followed by 町, a number or 丁目.
            if len(key) == 1 and not (pos == 0 and re.match(r"(町|\d|丁目)", folded[1:])):
                continue
            found[i] = min(found.get(i, (pos, -len(key))), (pos, -len(key)))
        if found:
            best = min(found.values())
            fits = [i for i, where in found.items() if where == best]
            return self.areas[fits[0]] if len(fits) == 1 else None
        head = _HEAD.match(folded)
        head_text = re.sub(r"町$", "", head.group(0) if head else "")
        if not head_text or not self._address_keys:
            return None
        near = process.extractOne(
            head_text, [k for k, _ in self._address_keys], scorer=fuzz.ratio, score_cutoff=AREA_FUZZY
        )
        return self.areas[self._address_keys[near[2]][1]] if near else None

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
