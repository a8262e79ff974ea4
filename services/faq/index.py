"""The FAQ content of data/faq/*.yml, loaded once per process and reloaded when a file changes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import city
from bot.filecache import FileCache
from bot.nlu.folding import fold


@dataclass
class Entry:
    id: str
    domain: str
    intent: str
    title: str
    answer: str
    keywords: list[str]  # folded once at load time
    source: str
    checked: str
    related: list[str] = field(default_factory=list)
    # the review record that replaced the bulk `checked:` stamp (dates as ISO strings; "" when not given)
    basis: str = ""  # the national or legal basis (law, ordinance, ministry page)
    effective: str = ""  # when the rule took effect
    reviewed: str = ""  # last checked against the basis
    review_by: str = ""  # due for review after this date


@dataclass
class FaqIndex:
    entries: dict[str, Entry]
    by_intent: dict[str, list[Entry]]
    topics: dict[str, str]  # intent -> display title
    domains: dict[str, dict]  # domain -> {title, topics}

    def best(self, intent: str, text: str) -> Entry | None:
        """The entry of `intent` whose keywords and title best cover what the citizen wrote.

        Keywords shared by many entries of the intent count for less, a keyword found only inside a
        longer matched one does not count, and on a tie the first entry, the topic's main one, wins.
        """
        candidates = self.by_intent.get(intent) or []
        if not candidates:
            return None
        folded = fold(text)
        grams = _bigrams(folded)
        df = Counter(k for e in candidates for k in set(e.keywords))
        matched = {k for k in df if k and k in folded}
        # マイナンバー inside マイナンバーカード is not a separate hit
        matched = {k for k in matched if not any(k != m and k in m for m in matched)}

        def score(e: Entry) -> float:
            hits = sum(len(k) / df[k] for k in set(e.keywords) if k in matched)
            covered = len(grams & _bigrams(fold(e.title))) / len(grams) if grams else 0.0
            return hits + 2 * covered

        return max(candidates, key=lambda e: (round(score(e), 6), -candidates.index(e)))


def _text(value: object) -> str:
    """A YAML scalar as text: a date as ISO, a missing value as ""."""
    return "" if value is None else str(value)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def load(data_dir: Path) -> FaqIndex:
    """The index of data/faq/*.yml, rebuilt when a file changes, comes or goes."""
    return _INDEXES.get(_files(data_dir), Path(data_dir))


def _files(data_dir: Path) -> list[Path]:
    return sorted(Path(data_dir, "faq").glob("*.yml"))


def _build(data_dir: Path) -> FaqIndex:
    entries: dict[str, Entry] = {}
    by_intent: dict[str, list[Entry]] = {}
    topics: dict[str, str] = {}
    domains: dict[str, dict] = {}
    for f in _files(data_dir):
        doc = (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("faq") or {}
        domains[doc.get("domain", f.stem)] = {"title": doc.get("title", f.stem), "topics": doc.get("topics") or {}}
        topics.update(doc.get("topics") or {})
        for raw in doc.get("entries") or []:
            entry = Entry(
                id=raw["id"],
                domain=raw.get("domain", doc.get("domain")),
                intent=raw["intent"],
                title=str(raw["title"]),
                answer=str(raw["answer"]),
                keywords=[fold(str(k)) for k in raw.get("keywords") or []],
                source=raw.get("source", ""),
                checked=str(raw.get("checked", "")),
                related=list(raw.get("related") or []),
                basis=_text(raw.get("basis")),
                effective=_text(raw.get("effective")),
                reviewed=_text(raw.get("reviewed")),
                review_by=_text(raw.get("review_by")),
            )
            entries[entry.id] = entry
            by_intent.setdefault(entry.intent, []).append(entry)
    return FaqIndex(entries, by_intent, topics, domains)


_INDEXES = FileCache(_build, maxsize=4)


def render_answer(entry: Entry, profile: dict) -> str:
    return city.fill(entry.answer.strip(), profile)


def render_source(entry: Entry, profile: dict) -> str:
    return city.fill(entry.source, profile) if entry.source else ""
