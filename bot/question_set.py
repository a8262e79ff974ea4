"""Scoring a question set (tests/blind/, tests/dev/) through the real engine: what the citizen would be answered.

A question set is YAML: `questions:` a list of `{text, intent, faq, item}`, where `faq` is the FAQ entry id the
answer should be (none for out-of-scope, chit-chat, bookings, collection days and item lookups) and `item` a
garbage item the question names. Each question is sent as the first message of its own conversation, and the
turn the engine records says what the bot did: the intent, the actions, the reply. Each message of the reply is
matched to the FAQ entry whose filled-in answer it starts with, so answer-level accuracy is about the entries
actually shown: a question is answered right when the expected entry (or the item's row) is among them. A reply
shows at most an item's row and one entry (「乾電池の出し方」: the row, then the topic's entry). The rule of the
earlier rounds, which read a reply as one answer (its first entry, else the lookup), is scored too
(`single_answer_accuracy`).

Only aggregate figures leave this module (counts, rates, confusion counts by intent pair): the blind set's
questions and misses are never printed, so scoring it cannot steer the training data.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import city
from .errors import TrainingDataError
from .input import UNREADABLE_RESPONSES
from .settings import Settings, overriding
from .training_data import read_yaml, yaml_files

OUT_OF_SCOPE = "general_out_of_scope"
DECLINED = {OUT_OF_SCOPE, "nlu_fallback"}  # the bot says it cannot answer, with the city's contact
ITEM_LOOKUP = "action_garbage_lookup"
DOMAINS = ("certificates", "childcare", "garbage", "insurance", "taxes", "general")


@dataclass(frozen=True)
class Question:
    text: str
    intent: str
    faq: str | None = None
    item: str | None = None

    @property
    def domain(self) -> str:
        return self.intent.split("_", 1)[0]


@dataclass(frozen=True)
class Outcome:
    """What the bot did with one question: its intent and which answer it gave (`faq:<id>`, `lookup`, `declined`
    or `action:<name>`)."""

    question: Question
    intent: str
    shown: tuple[str, ...]  # every answer shown: entries, then the lookup

    @property
    def answer(self) -> str:
        """The reply read as one answer: its first entry, else the lookup."""
        return self.shown[0]

    @property
    def declined(self) -> bool:
        return self.answer == "declined"

    @property
    def intent_right(self) -> bool:
        if self.question.intent == OUT_OF_SCOPE:
            return self.intent in DECLINED or self.declined
        return self.intent == self.question.intent

    @property
    def answer_right(self) -> bool:
        """The expected answer is among those shown."""
        return self._expected_in(self.shown)

    @property
    def single_answer_right(self) -> bool:
        """The expected answer is the reply read as one answer (the earlier rounds' rule)."""
        return self._expected_in(self.shown[:1])

    def _expected_in(self, shown: tuple[str, ...]) -> bool:
        q = self.question
        if q.intent == OUT_OF_SCOPE:
            return self.declined
        if q.faq:
            return f"faq:{q.faq}" in shown
        if q.item:
            return "lookup" in shown
        return self.intent_right


@dataclass
class SetReport:
    total: int
    intent_accuracy: float
    answer_accuracy: float
    single_answer_accuracy: float
    out_of_scope_recall: float | None  # out-of-scope questions declined
    in_scope_fallback: float | None  # in-scope questions declined
    per_domain: dict[str, dict[str, Any]] = field(default_factory=dict)
    confusions: list[dict[str, Any]] = field(default_factory=list)  # intent pairs with counts, no texts


def load_questions(path: Path) -> list[Question]:
    doc = read_yaml(path) or {}
    raw = doc.get("questions") if isinstance(doc, dict) else None
    if not isinstance(raw, list) or not raw:
        raise TrainingDataError(f"{path}: a question set needs `questions:`, a list of {{text, intent, faq, item}}.")
    try:
        return [Question(str(q["text"]), str(q["intent"]), q.get("faq"), q.get("item")) for q in raw]
    except (KeyError, TypeError) as exc:
        raise TrainingDataError(f"{path}: each question needs `text` and `intent` ({exc}).") from None


def faq_answers(settings: Settings) -> dict[str, str]:
    """Each FAQ entry's answer as the citizen sees it (placeholders filled in) → its id."""
    profile = city.load_city(settings.data_dir)
    answers = {}
    for path in yaml_files([settings.data_dir / "faq"]):
        for entry in ((read_yaml(path) or {}).get("faq") or {}).get("entries") or []:
            answers[city.fill(str(entry["answer"]).strip(), profile)] = entry["id"]
    return answers


def answers_of(turn: dict[str, Any], answers: dict[str, str]) -> tuple[str, ...]:
    """The answers a recorded turn showed: FAQ entries in the order shown, then an item lookup; else a polite
    decline or another action. The first of them is what earlier rounds scored as the reply's one answer."""
    shown: list[str] = []
    for message in turn.get("reply") or []:
        text = message.get("text") or ""
        shown.extend(f"faq:{entry_id}" for answer, entry_id in answers.items() if text.startswith(answer))
    actions = [a for a in turn.get("actions") or [] if a != "action_listen"]
    if ITEM_LOOKUP in actions:
        shown.append("lookup")
    if shown:
        return tuple(dict.fromkeys(shown))
    # a message with no words (「🍣🍣🍣」) is declined before the NLU: the bot says it could not read it
    if turn.get("intent") in DECLINED or UNREADABLE_RESPONSES.intersection(actions):
        return ("declined",)
    return (f"action:{actions[-1]}",) if actions else ("none",)


def run_questions(settings: Settings, questions: list[Question]) -> list[Outcome]:
    """Each question as the first message of a new conversation, on a throwaway database set up as `bot setup`
    does."""
    from .engine import Engine
    from .features import features
    from .store.migrate import upgrade

    answers = faq_answers(settings)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings.with_(database_url=f"sqlite:///{tmp}/questions.sqlite3")
        with overriding(BOT_DATABASE_URL=settings.database_url):  # actions read their settings from the environment
            upgrade(settings.database_url)
            for feature in features():  # the city's open data (garbage items, areas), as `bot setup` loads it
                if feature.setup:
                    feature.setup(settings)
            engine = Engine(settings)
            try:
                for i, q in enumerate(questions):
                    sender = f"question-{i}"
                    reply = engine.handle_message(sender, q.text, channel="test")  # the turn's copy is masked
                    turn = {**engine.store.turns(sender)[-1], "reply": reply}
                    outcomes.append(Outcome(q, turn["intent"] or "", answers_of(turn, answers)))
            finally:
                engine.close()
    return outcomes


def _rate(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def summarise(outcomes: list[Outcome]) -> SetReport:
    oos = [o for o in outcomes if o.question.intent == OUT_OF_SCOPE]
    in_scope = [o for o in outcomes if o.question.intent != OUT_OF_SCOPE]
    per_domain = {}
    for dom in DOMAINS:
        mine = [o for o in outcomes if o.question.domain == dom]
        if mine:
            per_domain[dom] = {
                "n": len(mine),
                "intent": _rate(sum(o.intent_right for o in mine), len(mine)),
                "answer": _rate(sum(o.answer_right for o in mine), len(mine)),
                "declined": _rate(sum(o.declined for o in mine), len(mine)),
            }
    pairs = Counter((o.question.intent, o.intent) for o in outcomes if not o.intent_right)
    n = len(outcomes)
    return SetReport(
        total=n,
        intent_accuracy=_rate(sum(o.intent_right for o in outcomes), n) or 0.0,
        answer_accuracy=_rate(sum(o.answer_right for o in outcomes), n) or 0.0,
        single_answer_accuracy=_rate(sum(o.single_answer_right for o in outcomes), n) or 0.0,
        out_of_scope_recall=_rate(sum(o.declined for o in oos), len(oos)),
        in_scope_fallback=_rate(sum(o.declined for o in in_scope), len(in_scope)),
        per_domain=per_domain,
        confusions=[{"intent": g, "predicted": p, "count": c} for (g, p), c in pairs.most_common()],
    )


def score(settings: Settings, path: Path) -> SetReport:
    return summarise(run_questions(settings, load_questions(path)))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def format_set_report(report: SetReport, name: str, confusions: bool = False) -> str:
    lines = [
        f"{name}: {report.total} questions",
        f"  intent accuracy:        {_pct(report.intent_accuracy)}",
        f"  answer-level accuracy:  {_pct(report.answer_accuracy)}",
        f"    read as one answer:   {_pct(report.single_answer_accuracy)}",
        f"  out-of-scope declined:  {_pct(report.out_of_scope_recall)}",
        f"  in-scope fallback:      {_pct(report.in_scope_fallback)}",
        f"  {'domain':14s} {'n':>4s} {'intent':>7s} {'answer':>7s} {'declined':>9s}",
    ]
    lines.extend(
        f"  {dom:14s} {v['n']:4d} {_pct(v['intent']):>7s} {_pct(v['answer']):>7s} {_pct(v['declined']):>9s}"
        for dom, v in report.per_domain.items()
    )
    if confusions:
        lines.append("  confusions (expected → predicted, count):")
        lines.extend(f"    {c['count']:3d}  {c['intent']} → {c['predicted']}" for c in report.confusions)
    return "\n".join(lines)
