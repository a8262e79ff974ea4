"""`bot test --cross-validation K`: stratified K-fold figures on the NLU data, like `rasa test nlu --cross-validation`.

Each fold trains the whole pipeline of config.yml on the other folds and parses its own examples. Training
examples carry an intent and no FAQ entry, so the figures are intent-level: accuracy (an out-of-scope example
counts as right when the bot declines it, as general_out_of_scope or nlu_fallback), out-of-scope declined,
in-scope fallback, per domain and per intent, and the confusions summed over the folds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .clock import clock
from .model import read_config
from .nlu.pipeline import Pipeline
from .question_set import DECLINED, Outcome, Question, SetReport, summarise
from .settings import Settings
from .training_data import NluData, load_nlu

SEED = 42  # the folds are the same on every run


@dataclass
class CvReport:
    folds: int
    summary: SetReport
    classifier_accuracy: float  # the classifier's top intent before the fallback step
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)


def fold_outcomes(settings: Settings, data: NluData, train_idx, test_idx) -> tuple[list[Outcome], list[str]]:
    """Train on `train_idx`, parse `test_idx`: each example's outcome, and the classifier's own top intents."""
    pipeline = Pipeline.from_config(read_config(settings), settings.project_dir)
    train = NluData([data.examples[i] for i in train_idx], data.regexes, data.lookups, data.synonyms)
    pipeline.train(train)
    now = clock(settings)
    outcomes, raw = [], []
    for i in test_idx:
        ex = data.examples[i]
        message = pipeline.parse(ex.text, now)
        name = message.intent["name"] or ""
        outcomes.append(Outcome(Question(ex.text, ex.intent), name, ("declined" if name in DECLINED else name,)))
        raw.append(next((r["name"] or "" for r in message.intent_ranking if r["name"] != "nlu_fallback"), name))
    return outcomes, raw


def cross_validate(settings: Settings, k: int, progress: Callable[[str], None] = lambda _m: None) -> CvReport:
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import StratifiedKFold

    data = load_nlu([settings.data_dir])
    labels = np.array([e.intent for e in data.examples])
    outcomes: list[Outcome] = []
    raw: list[str] = []
    for n, (train_idx, test_idx) in enumerate(
        StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED).split(labels, labels), 1
    ):
        progress(f"fold {n}/{k}: training on {len(train_idx)} examples, testing on {len(test_idx)}")
        fold, fold_raw = fold_outcomes(settings, data, train_idx, test_idx)
        outcomes += fold
        raw += fold_raw
    gold = [o.question.intent for o in outcomes]
    pred = [o.intent for o in outcomes]
    names = sorted(set(gold))
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=names, zero_division=0)
    per_intent: dict[str, dict[str, Any]] = {
        name: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, name in enumerate(names)
    }
    return CvReport(
        folds=k,
        summary=summarise(outcomes),
        classifier_accuracy=sum(g == t for g, t in zip(gold, raw, strict=True)) / len(gold),
        per_intent=per_intent,
    )


def format_cv_report(report: CvReport, worst: int = 12) -> str:
    s = report.summary
    lines = [
        f"{report.folds}-fold stratified cross-validation: {s.total} examples",
        f"  intent accuracy:        {s.intent_accuracy:.1%}",
        f"  classifier top-1:       {report.classifier_accuracy:.1%}",
        f"  out-of-scope declined:  {s.out_of_scope_recall:.1%}" if s.out_of_scope_recall is not None else "",
        f"  in-scope fallback:      {s.in_scope_fallback:.1%}" if s.in_scope_fallback is not None else "",
        f"  {'domain':14s} {'n':>5s} {'intent':>7s} {'declined':>9s}",
    ]
    lines.extend(f"  {dom:14s} {v['n']:5d} {v['intent']:7.1%} {v['declined']:9.1%}" for dom, v in s.per_domain.items())
    lines.append(f"  worst intents by F1:  {'prec':>6s} {'recall':>6s} {'f1':>6s} {'n':>4s}")
    ranked = sorted(report.per_intent.items(), key=lambda kv: kv[1]["f1"])[:worst]
    lines.extend(
        f"  {name:40s} {v['precision']:6.2f} {v['recall']:6.2f} {v['f1']:6.2f} {v['support']:4d}" for name, v in ranked
    )
    lines.append("  confusions (expected → predicted, count):")
    lines.extend(f"    {c['count']:3d}  {c['intent']} → {c['predicted']}" for c in s.confusions[:25])
    return "\n".join(line for line in lines if line)
