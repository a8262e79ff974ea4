"""The frozen blind sets (tests/blind/, bench/RESULTS.md): scored through the whole bot, each figure held a few
points short of the one reported, so a regression fails CI. Only aggregates are compared or printed, never a
question: the sets must not steer the training data."""

from __future__ import annotations

import pytest

from bot.question_set import score
from tests.conftest import PROJECT_DIR

BLIND_DIR = PROJECT_DIR / "tests" / "blind"

# Floors about 3 points under the figures of bench/RESULTS.md ("NLU on unseen wording"); raise them with the
# figures: (intent, answer-level, out-of-scope declined, in-scope fallback at most).
FLOORS = {
    # Reported 2026-11-28 (sixth round, b4db439): intent 96.6%, answer 93.3%, out-of-scope declined 98.6%,
    # in-scope fallback 1.6%.
    "blind_set.yml": (0.93, 0.90, 0.95, 0.05),
    # Another writer's set (sixth round, b4db439): intent 96.9%, answer 95.6%, out-of-scope declined 97.2%
    # (72 questions: one is 1.4 points), in-scope fallback 0.0%; first scored at 863611d: 96.7 / 95.0 / 94.4 / 0.0%.
    "blind_set_2.yml": (0.94, 0.92, 0.94, 0.03),
}


def test_every_frozen_blind_set_has_its_floors():
    assert sorted(p.name for p in BLIND_DIR.glob("blind_set*.yml")) == sorted(FLOORS)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_blind_set_figures_stay_above_their_floors(trained_settings, name):
    min_intent, min_answer, min_declined, max_fallback = FLOORS[name]
    report = score(trained_settings, BLIND_DIR / name)
    figures = {
        "intent": report.intent_accuracy,
        "answer": report.answer_accuracy,
        "out-of-scope declined": report.out_of_scope_recall,
        "in-scope fallback": report.in_scope_fallback,
    }
    assert report.total >= 400, figures
    assert report.intent_accuracy >= min_intent, figures
    assert report.answer_accuracy >= min_answer, figures
    assert (report.out_of_scope_recall or 0.0) >= min_declined, figures
    assert (report.in_scope_fallback or 0.0) <= max_fallback, figures
