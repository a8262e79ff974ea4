"""How collection days are written in replies: 毎週月曜日・木曜日、第2・第4水曜日（4・6月）, 本日 11月23日(月).

The words are a city's, so they live in domain.yml as responses used as templates (utter_garbage_days_*,
read from the domain an action receives) and dates follow the city profile's `formats` (bot/formats.py).
This module only puts the pieces together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.dialogue.responses import fill
from bot.errors import ConfigError
from bot.formats import Formats, load_formats

from .schedule import Rule

TEMPLATES = {  # field -> response; each response's first text is the template
    "weekday": "utter_garbage_days_weekday",  # {weekday}
    "weekly": "utter_garbage_days_weekly",  # {weekdays}
    "nth": "utter_garbage_days_nth",  # {n}
    "months": "utter_garbage_days_months",  # {months}
    "next": "utter_garbage_days_next",  # {date}
    "today": "utter_garbage_days_today",  # {date}
    "line": "utter_garbage_days_line",  # {category} {days} {next}
}
JOIN = "・"  # between weekdays, ordinals and months
SEPARATE = "、"  # between the parts of one rule


@dataclass(frozen=True)
class Wording:
    templates: dict[str, str]
    formats: Formats

    @classmethod
    def from_domain(cls, domain: Mapping[str, Any], data_dir: Path) -> Wording:
        """The templates from the domain's responses; a missing one fails naming it."""
        responses = domain.get("responses") or {}
        templates = {}
        for field, name in TEMPLATES.items():
            texts = [v.get("text") for v in responses.get(name) or [] if v.get("text")]
            if not texts:
                raise ConfigError(f"domain.yml has no response `{name}` (how collection days are written).")
            templates[field] = texts[0]
        return cls(templates, load_formats(data_dir))

    def _fill(self, field: str, **values: Any) -> str:
        return fill(self.templates[field], values, {})

    def _weekday(self, weekday: int) -> str:
        return self._fill("weekday", weekday=self.formats.weekdays[weekday])

    def describe(self, rule: Rule) -> str:
        """The rule as people say it: 毎週月曜日・木曜日、第2・第4水曜日（4・6月）."""
        parts = []
        if rule.weekly:
            parts.append(self._fill("weekly", weekdays=JOIN.join(self._weekday(w) for w in sorted(rule.weekly))))
        by_day: dict[int, list[int]] = {}
        for weekday, n in sorted(rule.nth):
            by_day.setdefault(weekday, []).append(n)
        for weekday, ns in by_day.items():
            parts.append(JOIN.join(self._fill("nth", n=n) for n in ns) + self._weekday(weekday))
        text = SEPARATE.join(parts)
        if rule.months:
            months = JOIN.join(str(m) for m in sorted(rule.months, key=lambda m: (m < 4, m)))  # fiscal year order
            text += self._fill("months", months=months)
        if rule.dates:
            listed = JOIN.join(self.formats.date(d) for d in sorted(rule.dates))
            text = f"{text}{SEPARATE}{listed}" if text else listed
        return text

    def next_date(self, day: date | None, today: date) -> str:
        """The next collection date, 本日 when it is today; empty when there is none."""
        if day is None:
            return ""
        written = self.formats.date(day)
        return self._fill("today", date=written) if day == today else written

    def line(self, category: str, rule: Rule, next_day: str) -> str:
        """One category of an area's list: ・燃やすごみ：毎週月曜日・木曜日（次回 11月23日(月)）."""
        after = self._fill("next", date=next_day) if next_day else ""
        return self._fill("line", category=category, days=self.describe(rule), next=after)
