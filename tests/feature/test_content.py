"""Content is data, checked here: the FAQ and NLU data meet the bar set for the five domains."""

from __future__ import annotations

from collections import Counter

import pytest

from bot import city
from bot.domain import Domain
from bot.evaluate import evaluate_nlu
from bot.nlu.folding import fold
from bot.training_data import load_nlu, load_rules
from bot.validate import validate
from services.faq import index as faq_index
from tests.conftest import PROJECT_DIR

DOMAINS = ["certificates", "childcare", "garbage", "insurance", "taxes"]


@pytest.fixture(scope="module")
def index():
    return faq_index.load(PROJECT_DIR / "data")


@pytest.fixture(scope="module")
def profile():
    return city.load_city(PROJECT_DIR / "data")


def test_at_least_40_entries_per_domain(index):
    counts = Counter(e.domain for e in index.entries.values())
    assert all(counts[d] >= 40 for d in DOMAINS), counts
    assert sum(counts.values()) >= 200


def test_every_answer_is_short_complete_and_ends_with_where_to_ask(index, profile):
    phones = {o["phone"] for o in profile["offices"].values()}
    for entry in index.entries.values():
        answer = faq_index.render_answer(entry, profile)
        assert len(answer) <= 300, (entry.id, len(answer))
        assert entry.keywords and entry.title and entry.reviewed and entry.source.startswith("{urls.")
        assert faq_index.render_source(entry, profile).startswith("https://")
        tail = answer[-60:]
        assert any(p in tail for p in phones), (entry.id, tail)
        assert 2 <= len(entry.related) <= 4 and all(r in index.entries for r in entry.related), entry.id


def test_nlu_examples_are_plentiful_and_unambiguous(trained_settings):
    data = load_nlu([PROJECT_DIR / "data"])
    counts = Counter(e.intent for e in data.examples)
    assert all(n >= 15 for n in counts.values()), {k: v for k, v in counts.items() if v < 15}
    assert counts["general_out_of_scope"] >= 60
    by_text = {}
    for e in data.examples:
        by_text.setdefault(fold(e.text).strip(), set()).add(e.intent)
    assert not [t for t, i in by_text.items() if len(i) > 1]
    domain = Domain.load(PROJECT_DIR / "domain.yml")
    assert all(
        i.startswith(tuple(d + "_" for d in [*DOMAINS, "general"])) for i in domain.intents if i != "nlu_fallback"
    )


def test_every_faq_intent_is_answered_by_a_rule(index):
    ruled = {s["intent"] for r in load_rules([PROJECT_DIR / "data"]) for s in r.steps if "intent" in s}
    assert set(index.by_intent) <= ruled


def test_data_validate_finds_no_problem(trained_settings):
    assert validate(trained_settings) == []


def test_held_out_accuracy_stays_above_90_percent(trained_settings):
    report = evaluate_nlu(trained_settings, PROJECT_DIR / "tests" / "nlu_test.yml")
    counts = Counter(e.intent for e in load_nlu([PROJECT_DIR / "tests" / "nlu_test.yml"]).examples)
    assert all(n >= 5 for n in counts.values())
    assert report.accuracy >= 0.90, report.confusions
    assert report.out_of_scope_recall >= 0.90


def test_held_out_examples_are_not_training_examples():
    train = {fold(e.text).strip() for e in load_nlu([PROJECT_DIR / "data"]).examples}
    test = [e.text for e in load_nlu([PROJECT_DIR / "tests" / "nlu_test.yml"]).examples]
    assert not [t for t in test if fold(t).strip() in train]
