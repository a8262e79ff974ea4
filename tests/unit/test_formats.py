"""Dates and amounts in replies: written with the city profile's `formats` patterns, checked when read."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
import yaml

from bot.errors import ConfigError
from bot.formats import Formats, load_formats
from tests.conftest import FIXTURE_CITY


def _city(tmp_path, **formats):
    """A copy of the fixture city whose `formats` section has `formats` merged in (None removes a key)."""
    shutil.copy(FIXTURE_CITY / "city.yml", tmp_path / "city.yml")
    profile = yaml.safe_load((tmp_path / "city.yml").read_text(encoding="utf-8"))
    profile["formats"].update(formats)
    profile["formats"] = {k: v for k, v in profile["formats"].items() if v is not None}
    (tmp_path / "city.yml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_the_fixture_citys_patterns_write_dates_and_money():
    formats = load_formats(FIXTURE_CITY)
    wednesday = date(2026, 11, 25)
    weekday = formats.weekdays[2]
    assert formats.date(wednesday) == f"11月25日({weekday})"
    assert formats.date(wednesday, "long_date") == f"2026年11月25日({weekday})"
    assert formats.money(1000) == "1,000円" and formats.money(0) == "0円"


def test_a_city_writes_its_own_pattern_without_code(tmp_path):
    formats = load_formats(_city(tmp_path, date="{day}/{month} {weekday}", weekdays=list("MTWTFSS")))
    assert formats.date(date(2026, 11, 25)) == "25/11 W"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "{month}/{dya}"}, r"uses \['dya', 'month'\]; a date pattern may use"),
        ({"money": "{amount:>8}"}, "use plain fields"),
        ({"long_date": "{year!r}"}, "use plain fields"),
        ({"date": "{month"}, "literal brace"),
        ({"date": 12}, "must be a text pattern"),
        ({"weekdays": ["Mon", "Tue"]}, "seven weekday names"),
    ],
)
def test_a_bad_pattern_fails_when_read_naming_the_key(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        load_formats(_city(tmp_path, **change))


def test_a_missing_pattern_or_section_says_what_it_takes():
    formats = load_formats(FIXTURE_CITY)
    with pytest.raises(ConfigError, match=r"`formats\.no_such` is missing; a pattern of the fields \['amount'\]"):
        formats.money(1, "no_such")
    with pytest.raises(ConfigError, match=r"`formats\.money` is missing"):
        formats.date(date(2026, 1, 1), "money")  # a money pattern is no date pattern
    with pytest.raises(ConfigError, match="`formats` is missing: the weekday names"):
        Formats(None, "city.yml")
