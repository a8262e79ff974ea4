"""The one clock: "now" in the city's time zone (city.yml `city.timezone`), or BOT_FIXED_NOW."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from bot.clock import clock, now
from bot.errors import ConfigError
from bot.settings import Settings
from tests.conftest import FIXTURE_CITY


def city_in(tmp_path, timezone: str | None) -> Settings:
    """Settings of a copy of the fixture city whose profile names `timezone` (None: no timezone key)."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_CITY, data, ignore=shutil.ignore_patterns("opendata", "nlu"))
    profile = yaml.safe_load((data / "city.yml").read_text(encoding="utf-8"))
    profile["city"].pop("timezone", None)
    if timezone:
        profile["city"]["timezone"] = timezone
    (data / "city.yml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return Settings.from_env({"BOT_DATA_DIR": str(data)})


def test_the_real_clock_answers_in_the_city_time_zone(tmp_path):
    settings = city_in(tmp_path, "America/New_York")
    current = now(settings)
    assert current.tzinfo.key == "America/New_York"
    assert abs(current - datetime.now(UTC)) < timedelta(seconds=5)
    assert now(city_in(tmp_path / "default", None)).tzinfo.key == "Asia/Tokyo"


def test_a_fixed_time_with_an_offset_is_that_instant_in_the_city_zone(tmp_path):
    settings = city_in(tmp_path, "Asia/Tokyo").with_(fixed_now=datetime.fromisoformat("2026-11-20T15:30:00+00:00"))
    fixed = clock(settings)()
    assert fixed.tzinfo.key == "Asia/Tokyo" and fixed.isoformat() == "2026-11-21T00:30:00+09:00"
    assert fixed.date() == date(2026, 11, 21)  # the city's "today", not UTC's


def test_a_fixed_time_without_an_offset_is_read_in_the_city_zone(tmp_path):
    settings = city_in(tmp_path, "Pacific/Honolulu")
    fixed = now(settings.with_(fixed_now=datetime.fromisoformat("2026-11-20T10:00:00")))
    assert fixed.isoformat() == "2026-11-20T10:00:00-10:00"


def test_a_time_zone_that_does_not_exist_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"city\.timezone `Mars/Olympus`"):
        now(city_in(tmp_path, "Mars/Olympus"))


def test_the_actions_dates_come_from_the_one_clock(tmp_path, monkeypatch):
    """BOT_FIXED_NOW late in the evening UTC is already the next day in the city: the garbage days and the
    booking calendar use that day."""
    from services.booking.actions.context import context
    from services.garbage.actions import city_today

    settings = city_in(tmp_path, "Asia/Tokyo")
    monkeypatch.setenv("BOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    monkeypatch.setenv("BOT_FIXED_NOW", "2026-11-20T23:30:00+00:00")
    assert city_today() == date(2026, 11, 21)
    assert context().now.isoformat() == "2026-11-21T08:30:00+09:00"
