"""Collection days from 5374.jp rules: `月 木` every Monday and Thursday, `水2` the 2nd Wednesday, `火1 火3`,
`火2 金4:4 6 8` only in those months, `20140301` one date, `*1` a remark. Centers stop collecting during
their breaks (year end): weekly days in a break are skipped; with the Kanazawa rule (`shift`), a month's
n-th-weekday collection moves one week later when that weekday falls in a break on or before it.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = "月火水木金土日"  # index = date.weekday()
_TOKEN = re.compile(r"(?P<day>[月火水木金土日])(?P<nth>[1-5])?|(?P<date>\d{8})|\*(?P<remark>\w+)")
BREAK_RULES = ("shift", "skip")
HORIZON_DAYS = 400  # how far ahead the next date is looked for


@dataclass(frozen=True)
class Rule:
    weekly: frozenset[int] = frozenset()
    nth: frozenset[tuple[int, int]] = frozenset()  # (weekday, n)
    dates: frozenset[date] = frozenset()
    months: frozenset[int] = frozenset()  # empty: every month
    remarks: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.weekly or self.nth or self.dates)


@dataclass(frozen=True)
class Breaks:
    """Periods without collection, as (first, last) days; `yearly` repeats them every year."""

    periods: tuple[tuple[date, date], ...] = ()
    yearly: bool = False

    def covers(self, day: date) -> bool:
        for start, end in self.periods:
            if start <= day <= end:
                return True
            if self.yearly:
                for years in (day.year - start.year - 1, day.year - start.year):
                    s, e = _add_years(start, years), _add_years(end, years)
                    if s <= day <= e:
                        return True
        return False


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_rule(cell: str) -> Rule:
    """Parse one area_days.csv cell; ValueError says which part is wrong."""
    text = unicodedata.normalize("NFKC", cell or "").strip()
    days_part, _, months_part = text.partition(":")
    weekly, nth, dates, remarks = set(), set(), set(), []
    for tok in days_part.replace("、", " ").replace(",", " ").split():
        m = _TOKEN.fullmatch(tok)
        if not m:
            raise ValueError(f"`{tok}` is not a day (月 … 日, 月1 … 日5, YYYYMMDD or *remark)")
        if m["day"]:
            wd = WEEKDAYS.index(m["day"])
            (nth.add((wd, int(m["nth"]))) if m["nth"] else weekly.add(wd))
        elif m["date"]:
            try:
                dates.add(date(int(tok[:4]), int(tok[4:6]), int(tok[6:])))
            except ValueError:
                raise ValueError(f"`{tok}` is not a real date") from None
        else:
            remarks.append(m["remark"])
    months = set()
    for tok in months_part.split():
        if not tok.isdigit() or not 1 <= int(tok) <= 12:
            raise ValueError(f"`{tok}` after `:` is not a month (1-12)")
        months.add(int(tok))
    if months_part.strip() and not (weekly or nth):
        raise ValueError("months after `:` need weekdays before them")
    return Rule(frozenset(weekly), frozenset(nth), frozenset(dates), frozenset(months), tuple(remarks))


def _month_dates(rule: Rule, year: int, month: int, breaks: Breaks, shift: bool) -> list[date]:
    if rule.months and month not in rule.months:
        return []
    days = calendar.monthrange(year, month)[1]
    out = [
        date(year, month, d)
        for d in range(1, days + 1)
        if date(year, month, d).weekday() in rule.weekly and not breaks.covers(date(year, month, d))
    ]
    for weekday, n in rule.nth:
        first = date(year, month, 1)
        occurrences = [first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * k) for k in range(5)]
        occurrences = [d for d in occurrences if d.month == month]
        if n > len(occurrences):
            continue
        day = occurrences[n - 1]
        if shift and any(breaks.covers(d) for d in occurrences[:n]):
            day += timedelta(days=7)
            while breaks.covers(day):
                day += timedelta(days=7)
        elif breaks.covers(day):
            continue
        out.append(day)
    return out


def collection_dates(
    rule: Rule, start: date, end: date, breaks: Breaks = Breaks(), break_rule: str = "shift"
) -> list[date]:
    """Every collection day from `start` to `end`, both included."""
    shift = break_rule == "shift"
    out = {d for d in rule.dates if start <= d <= end}
    # Begin a month early: a shifted collection of last month can fall into this one.
    year, month = (start.year, start.month - 1) if start.month > 1 else (start.year - 1, 12)
    while (year, month) <= (end.year, end.month):
        out.update(d for d in _month_dates(rule, year, month, breaks, shift) if start <= d <= end)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return sorted(out)


def next_date(rule: Rule, today: date, breaks: Breaks = Breaks(), break_rule: str = "shift") -> date | None:
    """The first collection day on or after `today`, or None when there is none within the horizon."""
    days = collection_dates(rule, today, today + timedelta(days=HORIZON_DAYS), breaks, break_rule)
    return days[0] if days else None
