"""The FAQ content of data/faq/*.yml, loaded once per process and reloaded when a file changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import city
from bot.filecache import FileCache
from bot.nlu.folding import fold

from .selector import EntryText, Selector, entry_text


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
    examples: list[str] = field(default_factory=list)  # questions it answers, in citizens' words
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

    selector: Selector | None = None  # built with the index

    def best(self, intent: str, text: str) -> Entry | None:
        """The entry of `intent` that answers what the citizen wrote (services/faq/selector.py); on a tie the
        first entry, the topic's main one."""
        candidates = self.by_intent.get(intent) or []
        if not candidates or self.selector is None:
            return candidates[0] if candidates else None
        return self.selector.best(candidates, text)


def _text(value: object) -> str:
    """A YAML scalar as text: a date as ISO, a missing value as ""."""
    return "" if value is None else str(value)


def load(data_dir: Path) -> FaqIndex:
    """The index of data/faq/*.yml, rebuilt when a file changes, comes or goes."""
    return _INDEXES.get(_files(data_dir), Path(data_dir))


def _files(data_dir: Path) -> list[Path]:
    return sorted(Path(data_dir, "faq").glob("*.yml"))


def _build(data_dir: Path) -> FaqIndex:
    entries: dict[str, Entry] = {}
    texts: dict[str, EntryText] = {}
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
                examples=[str(q) for q in raw.get("examples") or []],
                basis=_text(raw.get("basis")),
                effective=_text(raw.get("effective")),
                reviewed=_text(raw.get("reviewed")),
                review_by=_text(raw.get("review_by")),
            )
            entries[entry.id] = entry
            texts[entry.id] = entry_text(entry.title, entry.answer, map(str, raw.get("keywords") or []), entry.examples)
            by_intent.setdefault(entry.intent, []).append(entry)
    return FaqIndex(entries, by_intent, topics, domains, Selector(texts))


_INDEXES = FileCache(_build, maxsize=4)


def render_answer(entry: Entry, profile: dict) -> str:
    return city.fill(entry.answer.strip(), profile)


def render_source(entry: Entry, profile: dict) -> str:
    return city.fill(entry.source, profile) if entry.source else ""
