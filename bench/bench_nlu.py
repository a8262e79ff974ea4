"""Held-out NLU quality: accuracy per domain, out-of-scope recall, worst confusions (tests/nlu_test.yml)."""

from __future__ import annotations

from bench.corpus import ROOT
from bot.evaluate import evaluate_nlu, format_report
from bot.settings import Settings


def main() -> dict:
    report = evaluate_nlu(Settings.from_env(env={}), ROOT / "tests" / "nlu_test.yml")
    print(format_report(report))
    return {
        "accuracy": report.accuracy,
        "out_of_scope_recall": report.out_of_scope_recall,
        "per_domain": report.per_domain,
        "confusions": report.confusions,
    }


if __name__ == "__main__":
    main()
