"""`bot test`: an NLU report like `rasa test nlu`, and conversation tests in Rasa's test-story format."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.metrics import precision_recall_fscore_support

from .clock import clock
from .model import load
from .settings import Settings
from .training_data import load_nlu, load_stories

OUT_OF_SCOPE = {"general_out_of_scope", "nlu_fallback"}
DOMAINS = ("certificates", "childcare", "garbage", "insurance", "taxes", "general")


@dataclass
class NluReport:
    total: int
    accuracy: float
    classifier_accuracy: float  # top intent before the fallback step
    fallback_rate: float
    out_of_scope_recall: float | None
    per_intent: dict = field(default_factory=dict)
    per_domain: dict = field(default_factory=dict)
    confusions: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def evaluate_nlu(settings: Settings, test_file: Path) -> NluReport:
    model = load(settings)
    now = clock(settings)
    data = load_nlu([test_file])
    gold, pred, raw = [], [], []
    errors = []
    for ex in data.examples:
        message = model.pipeline.parse(ex.text, now)
        name = message.intent["name"]
        top = next((r["name"] for r in message.intent_ranking if r["name"] != "nlu_fallback"), name)
        gold.append(ex.intent)
        pred.append(name)
        raw.append(top)
        if name != ex.intent:
            errors.append(
                {
                    "text": ex.text,
                    "intent": ex.intent,
                    "predicted": name,
                    "top": top,
                    "confidence": round(
                        message.intent_ranking[1 if name == "nlu_fallback" else 0]["confidence"]
                        if len(message.intent_ranking) > 1 or name != "nlu_fallback"
                        else 0,
                        3,
                    ),
                    "where": f"{ex.source}:{ex.line}",
                }
            )
    n = len(gold)
    labels = sorted(set(gold))
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    per_intent = {
        lab: {
            "precision": round(float(p[i]), 3),
            "recall": round(float(r[i]), 3),
            "f1": round(float(f[i]), 3),
            "support": int(s[i]),
        }
        for i, lab in enumerate(labels)
    }
    per_domain = {}
    for dom in DOMAINS:
        idx = [i for i, g in enumerate(gold) if g.startswith(dom + "_")]
        if idx:
            per_domain[dom] = {
                "accuracy": round(sum(gold[i] == pred[i] for i in idx) / len(idx), 4),
                "support": len(idx),
            }
    oos = [i for i, g in enumerate(gold) if g == "general_out_of_scope"]
    confusions = Counter((g, q) for g, q in zip(gold, pred, strict=True) if g != q).most_common(15)
    return NluReport(
        total=n,
        accuracy=sum(g == q for g, q in zip(gold, pred, strict=True)) / n if n else 0.0,
        classifier_accuracy=sum(g == q for g, q in zip(gold, raw, strict=True)) / n if n else 0.0,
        fallback_rate=sum(q == "nlu_fallback" for q in pred) / n if n else 0.0,
        out_of_scope_recall=(sum(pred[i] in OUT_OF_SCOPE for i in oos) / len(oos)) if oos else None,
        per_intent=per_intent,
        per_domain=per_domain,
        confusions=[{"intent": g, "predicted": q, "count": c} for (g, q), c in confusions],
        errors=errors,
    )


def format_report(report: NluReport) -> str:
    lines = [
        f"NLU test: {report.total} examples",
        f"  accuracy (after fallback): {report.accuracy:.2%}",
        f"  classifier top-1 accuracy: {report.classifier_accuracy:.2%}",
        f"  fallback rate:             {report.fallback_rate:.2%}",
    ]
    if report.out_of_scope_recall is not None:
        lines.append(f"  out-of-scope recall:       {report.out_of_scope_recall:.2%}")
    lines.append(
        "  per domain: "
        + ", ".join(f"{d} {v['accuracy']:.1%} (n={v['support']})" for d, v in report.per_domain.items())
    )
    lines.append(f"  {'intent':40s} {'prec':>6s} {'recall':>6s} {'f1':>6s} {'n':>4s}")
    lines.extend(
        f"  {name:40s} {v['precision']:6.2f} {v['recall']:6.2f} {v['f1']:6.2f} {v['support']:4d}"
        for name, v in report.per_intent.items()
    )
    lines.append("  worst confusions:")
    lines.extend(f"    {c['count']:3d}  {c['intent']} → {c['predicted']}" for c in report.confusions[:10])
    return "\n".join(lines)


@dataclass
class StoryResult:
    name: str
    passed: bool
    failures: list


def run_stories(settings: Settings, story_file: Path) -> list[StoryResult]:
    """Play each story against the real engine on a throwaway database and compare intents and actions."""
    from .engine import Engine

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(settings.with_(database_url=f"sqlite:///{tmp}/stories.sqlite3"))
        try:
            for i, story in enumerate(load_stories([story_file])):
                results.append(play_story(engine, story, f"story-{i}"))
        finally:
            engine.close()
    return results


def _is_question(name: str) -> bool:
    """A form's question (utter_ask_…, action_ask_…): in Rasa the form action asks it, so stories never list it."""
    return name.startswith(("utter_ask_", "action_ask_"))


def _slot_problems(expected: list[str | dict], slots: dict) -> list[str]:
    problems = []
    for item in expected:
        for name, value in item.items() if isinstance(item, dict) else [(item, ...)]:
            actual = slots.get(name)
            if (actual is None) if value is ... else actual != value:
                problems.append(f"slot {name} is {actual!r} (expected {'a value' if value is ... else repr(value)})")
    return problems


def play_story(engine, story, sender) -> StoryResult:
    """Play a story in Rasa's test-story format: each user step's intent (when given) and the actions after it,
    in order and complete (a form's questions aside), the form active after the turn (`active_loop` steps) and the
    slots' values then (`slot_was_set`: a name alone is any value, `name: null` none)."""
    failures = []
    steps = story.steps
    i = 0
    while i < len(steps):
        step = steps[i]
        if "user" not in step:
            failures.append(f"step {i + 1}: expected a user step, found {step}")
            break
        text = str(step["user"]).strip()
        expected_actions: list[str] = []
        expected_loop: tuple[bool, str | None] = (False, None)
        expected_slots: list[str | dict] = []
        j = i + 1
        while j < len(steps) and "user" not in steps[j]:
            if "action" in steps[j]:
                expected_actions.append(steps[j]["action"])
            if "active_loop" in steps[j]:
                expected_loop = (True, steps[j]["active_loop"])
            expected_slots.extend(steps[j].get("slot_was_set") or [])
            j += 1
        engine.handle_message(sender, text, channel="test")
        turn = engine.store.turns(sender)[-1]
        if step.get("intent") and turn["intent"] != step["intent"]:
            failures.append(f"{text!r}: intent {turn['intent']} (expected {step['intent']})")
        actual = [a for a in (turn["actions"] or []) if a != "action_listen" and not _is_question(a)]
        if expected_actions and actual != expected_actions:
            failures.append(f"{text!r}: actions {actual} (expected {expected_actions})")
        state = engine.store.load(sender, "test")[0] or {}
        if expected_loop[0] and state.get("active_loop") != expected_loop[1]:
            failures.append(f"{text!r}: active loop {state.get('active_loop')} (expected {expected_loop[1]})")
        failures.extend(f"{text!r}: {problem}" for problem in _slot_problems(expected_slots, state.get("slots") or {}))
        i = j
    return StoryResult(story.name, not failures, failures)


def run_tests(settings: Settings, nlu_file: str, story_file: str, out_dir: str, progress) -> int:
    status = 0
    out = Path(settings.project_dir / out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nlu_path = settings.project_dir / nlu_file
    if nlu_path.exists():
        progress(f"evaluating NLU on {nlu_path}")
        report = evaluate_nlu(settings, nlu_path)
        print(format_report(report))
        (out / "nlu_report.json").write_text(json.dumps(report.__dict__, ensure_ascii=False, indent=2))
    story_path = settings.project_dir / story_file
    if story_path.exists():
        progress(f"running conversation tests from {story_path}")
        results = run_stories(settings, story_path)
        failed = [r for r in results if not r.passed]
        for r in failed:
            print(f"FAILED story `{r.name}`:\n    " + "\n    ".join(r.failures))
        print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
        status = 1 if failed else 0
    return status
