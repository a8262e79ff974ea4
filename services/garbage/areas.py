"""Collection areas with their days per category; the areas themselves and their matching are services.areas."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.areas.matching import AreaIndex

from .schedule import Breaks, Rule, collection_dates, next_date, parse_rule


@dataclass(frozen=True)
class Area:
    name: str
    rules: dict[str, str]  # category id -> 5374 rule text
    center: str = ""
    remarks: tuple[str, ...] = ()
    breaks: Breaks = field(default_factory=Breaks)

    def rule(self, category: str) -> Rule:
        return parse_rule(self.rules.get(category, ""))

    def next_date(self, category: str, today: date, break_rule: str) -> date | None:
        return next_date(self.rule(category), today, self.breaks, break_rule)

    def dates(self, category: str, start: date, end: date, break_rule: str) -> list[date]:
        return collection_dates(self.rule(category), start, end, self.breaks, break_rule)


# The garbage answers' areas: the shared index over areas that know their collection days.
Areas = AreaIndex[Area]
