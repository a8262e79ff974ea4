"""5374.jp collection rules: parsing, descriptions (services/garbage/wording.py), dates, center breaks (the Kanazawa one-week shift)."""

from datetime import date

import pytest

from bot.domain import Domain
from services.garbage.schedule import Breaks, collection_dates, next_date, parse_rule
from services.garbage.wording import Wording
from tests.conftest import PROJECT_DIR

YEAR_END = Breaks(((date(2013, 12, 29), date(2014, 1, 3)),))


def test_parses_weekly_nth_months_dates_and_remarks():
    rule = parse_rule("火2 金4 *1:4 6 8 10 12 2")
    assert rule.nth == {(1, 2), (4, 4)} and not rule.weekly
    assert rule.months == {2, 4, 6, 8, 10, 12} and rule.remarks == ("1",)
    assert parse_rule("月 木").weekly == {0, 3}
    assert parse_rule("20140301 20140325").dates == {date(2014, 3, 1), date(2014, 3, 25)}
    assert not parse_rule("")  # an empty cell: no collection


@pytest.mark.parametrize("cell", ["月曜", "水6", "20141301", "火1:13", ":4 5", "月,,X"])
def test_rejects_what_it_cannot_read(cell):
    with pytest.raises(ValueError):
        parse_rule(cell)


def test_describes_rules_as_people_say_them_in_the_domains_words_and_the_citys_date_format():
    wording = Wording.from_domain(Domain.load(PROJECT_DIR / "domain.yml").as_sdk_dict(), PROJECT_DIR / "data")
    assert wording.describe(parse_rule("月 木")) == "毎週月曜日・木曜日"
    assert wording.describe(parse_rule("火1 火3")) == "第1・第3火曜日"
    assert wording.describe(parse_rule("水2")) == "第2水曜日"
    assert wording.describe(parse_rule("火2 金4:4 6 2")) == "第2火曜日、第4金曜日（4・6・2月）"
    monday = date(2026, 11, 23)
    assert wording.next_date(monday, date(2026, 11, 20)) == wording.formats.date(monday) == "11月23日(月)"
    assert wording.next_date(monday, monday) == "本日 11月23日(月)" and wording.next_date(None, monday) == ""
    assert wording.line("びん", parse_rule("水4"), "") == "・びん：第4水曜日"


def test_weekly_and_nth_dates():
    assert collection_dates(parse_rule("月 木"), date(2026, 11, 20), date(2026, 11, 30)) == [
        date(2026, 11, 23),
        date(2026, 11, 26),
        date(2026, 11, 30),
    ]
    assert collection_dates(parse_rule("火1 火3"), date(2026, 11, 1), date(2026, 12, 31)) == [
        date(2026, 11, 3),
        date(2026, 11, 17),
        date(2026, 12, 1),
        date(2026, 12, 15),
    ]
    # a month without a 5th Friday has no `金5` collection
    assert collection_dates(parse_rule("金5"), date(2026, 11, 1), date(2026, 12, 31)) == []


def test_month_limits():
    days = collection_dates(parse_rule("水2:4 6"), date(2026, 1, 1), date(2026, 12, 31))
    assert [d.month for d in days] == [4, 6]


def test_center_break_skips_weekly_days_and_shifts_nth_weekdays_a_week():
    # Jan 2014: Wed 1 falls in the break, so every n-th Wednesday of January moves a week (5374 Kanazawa rule).
    assert collection_dates(parse_rule("水1"), date(2014, 1, 1), date(2014, 1, 31), YEAR_END) == [date(2014, 1, 8)]
    assert collection_dates(parse_rule("水2"), date(2014, 1, 1), date(2014, 1, 31), YEAR_END) == [date(2014, 1, 15)]
    # Monday 6 is after the break: no shift.
    assert collection_dates(parse_rule("月1"), date(2014, 1, 1), date(2014, 1, 31), YEAR_END) == [date(2014, 1, 6)]
    assert collection_dates(parse_rule("月 木"), date(2013, 12, 26), date(2014, 1, 9), YEAR_END) == [
        date(2013, 12, 26),
        date(2014, 1, 6),
        date(2014, 1, 9),
    ]
    assert collection_dates(parse_rule("水1"), date(2014, 1, 1), date(2014, 1, 31), YEAR_END, "skip") == []


def test_breaks_can_recur_every_year():
    yearly = Breaks(YEAR_END.periods, yearly=True)
    assert yearly.covers(date(2026, 12, 31)) and yearly.covers(date(2027, 1, 2))
    assert not yearly.covers(date(2027, 1, 4)) and not YEAR_END.covers(date(2026, 12, 31))
    # 2027: Friday 1 is in the break, so the 1st Friday becomes the 8th
    assert next_date(parse_rule("金1"), date(2026, 12, 20), yearly) == date(2027, 1, 8)


def test_next_date_includes_today_and_irregular_dates():
    assert next_date(parse_rule("金"), date(2026, 11, 20)) == date(2026, 11, 20)
    assert next_date(parse_rule("20261201"), date(2026, 11, 20)) == date(2026, 12, 1)
    assert next_date(parse_rule("20140301"), date(2026, 11, 20)) is None
