"""Collection areas: find the one a citizen names (typed, in kana, or misspelt) and its days per category."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process

from .normalize import base_name, is_kana, name_parts, reading_key, seion, text_key
from .schedule import Breaks, Rule, collection_dates, next_date, parse_rule

AREA_FUZZY = 80  # a typed area at least this similar to one area is taken as that area
AREA_NEAR = 55
_INNER = re.compile(r"[（(]([^）)]+)[）)]")
# How people end an answer about where they live: 浅野です, 浅野地区に住んでいます.
_TAIL = re.compile(r"(の方|地区|校下|地域|エリア|町内)?(です|だよ|だけど|に住んでいます|に住んでる|在住|ですが)?[。.!！、]*$")


@dataclass(frozen=True)
class Area:
    name: str
    rules: dict[str, str]  # category id -> 5374 rule text
    center: str = ""
    remarks: tuple[str, ...] = ()
    breaks: Breaks = field(default_factory=Breaks)

    def rule(self, category: str) -> Rule:
        return parse_rule(self.rules.get(category, ""))

    def next_date(self, category: str, today: date, break_rule: str) -> date | None:
        return next_date(self.rule(category), today, self.breaks, break_rule)

    def dates(self, category: str, start: date, end: date, break_rule: str) -> list[date]:
        return collection_dates(self.rule(category), start, end, self.breaks, break_rule)


@dataclass
class AreaMatch:
    area: Area | None
    candidates: list[Area]  # several areas fit, or near matches when none does


class Areas:
    """Every area by the keys of its name, its reading and the parts inside its brackets: 緑（二塚） → 緑, 二塚."""

    def __init__(self, areas: list[Area]):
        self.areas = areas
        self._keys: list[tuple[str, int]] = []
        for i, area in enumerate(areas):
            names = {area.name, base_name(area.name), *name_parts(area.name), *_INNER.findall(area.name)}
            for name in filter(None, names):
                for key in {text_key(name), seion(reading_key(name))}:
                    if key:
                        self._keys.append((key, i))
        self._fuzzy_keys = [k for k, _ in self._keys]

    def __len__(self) -> int:
        return len(self.areas)

    def named(self, name: str) -> Area | None:
        return next((a for a in self.areas if a.name == name), None)

    def match(self, text: str, in_sentence: bool = False) -> AreaMatch:
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
        reading = "" if in_sentence else seion(reading_key(text))
        found: dict[int, int] = {}
        for key, i in self._keys:
            if in_sentence and is_kana(key):
                continue
            # A one-character area name (西, 額) must be the whole answer, not a character inside another word.
            if key in (folded, reading) or (len(key) >= 2 and (key in folded or (reading and key in reading))):
                found[i] = max(len(key), found.get(i, 0))
        if found:
            longest = max(found.values())
            best = [self.areas[i] for i, n in sorted(found.items()) if n == longest]
            return AreaMatch(best[0] if len(best) == 1 else None, best)
        if in_sentence:
            return AreaMatch(None, [])
        scores: dict[int, float] = {}
        for query in {folded, reading}:
            for _, score, pos in process.extract(query, self._fuzzy_keys, scorer=fuzz.ratio, limit=10,
                                                 score_cutoff=AREA_NEAR):
                i = self._keys[pos][1]
                scores[i] = max(score, scores.get(i, 0))
        ranked = sorted(scores, key=lambda i: -scores[i])
        if ranked and scores[ranked[0]] >= AREA_FUZZY and (len(ranked) == 1 or scores[ranked[1]] < scores[ranked[0]]):
            return AreaMatch(self.areas[ranked[0]], [])
        return AreaMatch(None, [self.areas[i] for i in ranked[:5]])
