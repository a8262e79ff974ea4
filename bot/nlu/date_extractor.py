"""Japanese dates (今日, あさって, 昨日, 来週の火曜日, 12月3日, 2026/12/3, 令和8年1月5日) resolved to ISO dates.

ja-timex finds and parses the expressions; this module resolves the relative ones against the
clock in the context, so tests can fix "now". An impossible date such as 2月30日 keeps its
literal `YYYY-MM-DD` value, which a form validator recognises as invalid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .message import Message
from .registry import Component, ParseContext, component

if TYPE_CHECKING:
    from ja_timex import TimexParser
    from ja_timex.tag import TIMEX

# Spellings ja-timex does not know, rewritten to ones it does (same length keeps offsets).
_PAD = "＿"
_ALIASES = [(re.compile("あさって"), "明後日" + _PAD), (re.compile("おととい"), "一昨日" + _PAD)]
_SIGN = {"AFTER": 1, "NOW": 1, "BEFORE": -1}  # 来週 / 今週 / 先週
_WEEK_OFFSET = re.compile(r"P(\d+)W")
_MONTH_OFFSET = re.compile(r"P(\d+)M")
_DAY_OFFSET = re.compile(r"P(\d+)D")


def _parser(reference: date) -> TimexParser:
    import pendulum
    from ja_timex import TimexParser

    ref = pendulum.datetime(reference.year, reference.month, reference.day, tz="Asia/Tokyo")
    return TimexParser(reference=ref)


def _next_month_day(today: date, month: int, day: int, year: int | None = None) -> str:
    """A month/day without a year means the next such day, today included."""
    if year is None:
        year = today.year
        if (month, day) < (today.month, today.day):
            year += 1
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}-{day:02d}"


def resolve(timexes: Iterable[TIMEX], today: date) -> list[tuple[int, int, str]]:
    """Combine ja-timex tags into (start, end, ISO date) spans."""
    spans: list[tuple[int, int, str]] = []
    pending_week: tuple[int, int] | None = None  # (weeks from this one, start) of a 来週 / 先週 before a weekday
    pending_month: tuple[int, int] | None = None  # (months from this one, start) of a 来月 / 先月 before a day
    for t in timexes:
        value, start, end = t.value, t.span[0], t.span[1]
        if t.type == "DURATION":
            sign = _SIGN.get(t.mod or "")
            if sign is None:
                continue
            if offset := _WEEK_OFFSET.fullmatch(value):
                pending_week = (sign * int(offset.group(1)), start)
            elif offset := _MONTH_OFFSET.fullmatch(value):
                pending_month = (sign * int(offset.group(1)), start)
            elif offset := _DAY_OFFSET.fullmatch(value):
                days = sign * int(offset.group(1))
                spans.append((start, end, (today + timedelta(days=days)).isoformat()))
            continue
        if t.type != "DATE":
            continue
        week = re.fullmatch(r"XXXX-WXX-(\d)", value)
        if week:
            weekday = int(week.group(1)) - 1  # ja-timex: 1 = Monday
            if pending_week is not None:
                weeks, start = pending_week
                monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
                target = monday + timedelta(days=weekday)
            else:
                target = today + timedelta(days=(weekday - today.weekday()) % 7)
            if spans and spans[-1][1] >= start - 1 and pending_week is None:
                continue  # "2027年1月5日(火)": the weekday only repeats the date before it
            spans.append((start, end, target.isoformat()))
            pending_week = None
            continue
        m = re.fullmatch(r"(\d{4}|XXXX)-(\d{2}|XX)-(\d{2}|XX)", value)
        if not m or m.group(3) == "XX":
            continue
        year = None if m.group(1) == "XXXX" else int(m.group(1))
        day = int(m.group(3))
        if m.group(2) == "XX":
            if pending_month is None:
                continue
            months, start = pending_month
            first = date(today.year, today.month, 1)
            y, mth = divmod(first.month - 1 + months, 12)
            spans.append((start, end, _next_month_day(today, mth + 1, day, first.year + y)))
            pending_month = None
            continue
        spans.append((start, end, _next_month_day(today, int(m.group(2)), day, year)))
    return spans


@component("JapaneseDateExtractor", entity="date")
class JapaneseDateExtractor(Component):
    def process(self, message: Message, context: ParseContext) -> None:
        text = message.norm
        for pattern, repl in _ALIASES:
            text = pattern.sub(repl, text)
        if not any(ch.isdigit() or ch in "日曜週月今明昨来再先" for ch in text):  # cheap: most messages have no date
            return
        today = context["now"]().date()
        try:
            timexes = _parser(today).parse(text)
        except Exception:  # noqa: BLE001  ja-timex raises on some malformed input; a date is then simply not found
            return
        for start, end, iso in resolve(timexes, today):
            end += text[end : end + 1] == _PAD
            message.add_entity(self.config["entity"], start, end, iso, self.component_name)
