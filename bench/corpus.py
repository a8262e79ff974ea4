"""A fixed Japanese corpus for timing: the held-out test questions, so every domain is represented."""

from __future__ import annotations

from pathlib import Path

from bot.training_data import load_nlu

ROOT = Path(__file__).resolve().parent.parent


def questions() -> list[str]:
    return [e.text for e in load_nlu([ROOT / "tests" / "nlu_test.yml"]).examples]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# Rate limits too high to trip: the engine and LINE benchmarks send from one address, standing in for many citizens
# (bench_limits measures the limits themselves).
UNLIMITED = "1000000/minute"
NO_LIMITS = {"BOT_RATE_LIMIT_PER_IP": UNLIMITED, "BOT_RATE_LIMIT_PER_SENDER": UNLIMITED}
