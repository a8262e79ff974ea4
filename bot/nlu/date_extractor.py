"""Japanese dates (今日, あさって, 昨日, 来週の火曜日, 12月3日, 3日, 2026/12/3, 令和8年1月5日) resolved to ISO dates.

ja-timex finds and parses the expressions; this module resolves the relative ones against the
clock in the context, so tests can fix "now". An impossible date such as 2月30日 keeps its
literal `YYYY-MM-DD` value, which a form validator recognises as invalid. Phone numbers are hidden
from ja-timex first: it reads 「03-12-3456」 as 3月12日.
"""

from __future__ import annotations

import calendar
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
# Phone numbers (digits and hyphens, or 10-11 digits from 0; entities.yml's phone_number, with more dash
# spellings), masked with as many _MASK characters, so offsets stay.
_PHONE = re.compile(r"(?<![\d\-‐−ー])0\d{1,4}([\-‐−ー])\d{1,4}\1\d{3,4}(?![\d\-‐−ー])|(?<!\d)0\d{9,10}(?!\d)")
_MASK = "＃"
# A day of the month alone in digits (3日), as ja-timex tags it, and what around it makes it no date: 第3日曜 (a weekday),
# 毎月3日, 2、3日 / 2～3日 (a few days), 3日以内, 1日中, 1日あたり (a number of days).
_DAY_ALONE = re.compile(r"\d{1,2}日")
_NO_DAY_BEFORE = re.compile(r"(第|毎月の?|毎週の?|[\d一二三四五六七八九十][、,～〜~・\-])$")
_NO_DAY_AFTER = re.compile(r"(曜|以内|以上|以下|中|分|間|目|あたり|当たり|おき|ごと|毎|ほど|程|くらい|ぐらい|前後)")


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


def _next_day(today: date, day: int) -> str | None:
    """A day of the month alone means the next such day, today included (3日 on 29 Nov is 3 Dec; 31日 skips
    a month without one)."""
    year, month = today.year, today.month
    for _ in range(3):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day).isoformat()
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _day_alone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end], which ja-timex read as a day of the month, is one here (not 第3日曜, 2～3日, 3日以内)."""
    return bool(
        _DAY_ALONE.fullmatch(text[start:end])
        and not _NO_DAY_BEFORE.search(text[:start])
        and not _NO_DAY_AFTER.match(text, end)
    )


def resolve(timexes: Iterable[TIMEX], today: date, text: str = "") -> list[tuple[int, int, str]]:
    """Combine ja-timex tags found in `text` into (start, end, ISO date) spans."""
    spans: list[tuple[int, int, str]] = []
    pending_week: tuple[int, int] | None = None  # (weeks from this one, start) of a 来週 / 先週 before a weekday
    pending_month: tuple[int, int] | None = None  # (months from this one, start) of a 来月 / 先月 before a day
    named_month: tuple[int | None, int, int, int] | None = None  # (year, month, start, end) of a 1月 before a day
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
                spans[-1] = (spans[-1][0], end, spans[-1][2])  # "2027年1月5日(火)": the weekday repeats the date
                continue
            spans.append((start, end, target.isoformat()))
            pending_week = None
            continue
        m = re.fullmatch(r"(\d{4}|XXXX)-(\d{2}|XX)-(\d{2}|XX)", value)
        if not m:
            continue
        year = None if m.group(1) == "XXXX" else int(m.group(1))
        if m.group(3) == "XX":
            named_month = (year, int(m.group(2)), start, end) if m.group(2) != "XX" else None
            continue
        day = int(m.group(3))
        if m.group(2) == "XX":
            if pending_month is not None:
                months, start = pending_month
                first = date(today.year, today.month, 1)
                y, mth = divmod(first.month - 1 + months, 12)
                spans.append((start, end, _next_month_day(today, mth + 1, day, first.year + y)))
            elif named_month is not None and text[named_month[3] : start] in ("", "の"):  # 1月の3日
                named_year, mth, start, _ = named_month
                spans.append((start, end, _next_month_day(today, mth, day, named_year)))
            elif year is None and _day_alone(text, start, end) and (iso := _next_day(today, day)):
                spans.append((start, end, iso))
            pending_month = named_month = None
            continue
        spans.append((start, end, _next_month_day(today, int(m.group(2)), day, year)))
    return spans


@component("JapaneseDateExtractor", entity="date")
class JapaneseDateExtractor(Component):
    def process(self, message: Message, context: ParseContext) -> None:
        text = _PHONE.sub(lambda m: _MASK * len(m.group(0)), message.norm)
        for pattern, repl in _ALIASES:
            text = pattern.sub(repl, text)
        if not any(ch.isdigit() or ch in "日曜週月今明昨来再先" for ch in text):  # cheap: most messages have no date
            return
        today = context["now"]().date()
        try:
            timexes = _parser(today).parse(text)
        except Exception:  # noqa: BLE001  ja-timex raises on some malformed input; a date is then simply not found
            return
        for start, end, iso in resolve(timexes, today, text):
            end += text[end : end + 1] == _PAD
            message.add_entity(self.config["entity"], start, end, iso, self.component_name)
