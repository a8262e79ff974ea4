"""Collection areas: one list (the garbage import) for every feature, said to be missing instead of guessed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timezone

import pytest
from sqlalchemy.exc import OperationalError

from bot import cli
from bot.city import load_city
from bot.store.db import session_factory
from bot.store.migrate import upgrade
from services.areas.directory import NoAreas, load, names, rows
from services.areas.matching import NO_NUMBER, OUTSIDE, UNKNOWN, match_address
from services.booking.config import load_config
from services.booking.service import BookingStore, UnknownArea
from services.garbage.models import GarbageSource
from tests.support.area_support import add_areas

PICKUP = date(2026, 11, 25)


@pytest.fixture
def empty(settings):
    """This test's database migrated, as before `bot setup`: no areas."""
    upgrade(settings.database_url)
    return settings


@pytest.mark.parametrize(
    "text, area, problem",
    [
        ("さくら市泉野町3丁目5-1", "泉野", None),
        ("架空県さくら市浅野川2-3", "浅野川", None),
        ("〒999-1234 さくら市 長町1-2-3", "長町", None),
        ("二塚町10", "緑（二塚）", None),
        ("緑団地5-1", "安原（緑団地含む）", None),
        ("浅野川町2丁目3番4号です", "浅野川", None),
        ("あさのかわ1-1", "浅野川", None),  # its reading
        ("いずみのまち3ちょうめ5-1", "泉野", None),  # the town's reading, not 野町's (のまち) inside it
        ("イズミノマチ3-5-1", "泉野", None),
        ("いずみの町3-5-1", "泉野", None),
        ("ほげのまち1-1", None, UNKNOWN),  # a reading counts from the start only
        ("東京都新宿区西新宿2-8-1", None, OUTSIDE),
        ("金沢市泉野町3-5-1", None, OUTSIDE),
        ("泉野", None, NO_NUMBER),
        ("ほげほげ町1-1", None, UNKNOWN),
    ],
)
def test_addresses_find_their_area_among_the_imported_ones(demo_db_template, text, area, problem):
    areas = load(f"sqlite:///{demo_db_template}")
    assert len(areas) == 71 and areas.named("泉野")
    found = match_address(text, areas, "架空県", "さくら市")
    assert (found.area, found.problem) == (area, problem)


def test_typed_names_match_by_spelling_reading_and_bracketed_part(demo_db_template):
    areas = load(f"sqlite:///{demo_db_template}")
    for typed, name in [
        ("あさのがわ", "浅野川"),
        ("浅の川", "浅野川"),
        ("二塚です", "緑（二塚）"),
        ("西", "西"),
        ("泉野町", "泉野"),  # 泉野 is written first; 野町 only overlaps it
        ("いずみのまち", "泉野"),  # read as the town (Sudachi reads 泉野 alone as the given name みずの)
        ("イズミノマチ", "泉野"),
    ]:
        assert areas.match(typed).area.name == name, typed
    assert areas.match("浅野の燃やすごみの日は？", in_sentence=True).area.name == "浅野"
    assert areas.match("ほげほげ").area is None
    for several in (areas.match("泉野と朝日"), areas.match("泉野と朝日のごみの日は？", in_sentence=True)):
        assert several.area is None and [a.name for a in several.candidates] == ["泉野", "朝日"]


def test_areas_read_alike_are_not_guessed_between(empty):
    add_areas(empty.database_url, "大野", "大埜")  # both おおの
    areas = load(empty.database_url)
    assert areas.match("おおの").area is None and len(areas.match("おおの").candidates) == 2
    assert match_address("おおの1-1", areas, "架空県", "さくら市").problem == UNKNOWN
    assert match_address("大埜1-1", areas, "架空県", "さくら市").area == "大埜"


def test_an_area_two_sources_name_is_listed_once_as_the_better_ranked_source_has_it(empty):
    url = empty.database_url
    with session_factory(url)() as s, s.begin():
        s.add_all(
            GarbageSource(name=name, format="5374", priority=priority, updated_at=datetime.now(UTC))
            for name, priority in (("city", 1), ("older", 2))
        )
    add_areas(url, "浅野", "泉野", source="older")
    add_areas(url, "泉野", source="city")
    with session_factory(url)() as s:
        assert [a.name for a in rows(s)] == ["泉野", "浅野"]
    assert names(url) == ["泉野", "浅野"]


READERS = (load, names)  # the areas to match names and addresses, and the staff's list


def test_without_imported_areas_every_reader_names_bot_setup(empty):
    for read in READERS:
        with pytest.raises(NoAreas, match="bot setup"):
            read(empty.database_url)
    with pytest.raises(NoAreas, match="bot setup"):
        BookingStore(empty.database_url, load_config(empty.data_dir)).set_capacity("泉野", PICKUP, 5)


def test_a_database_error_is_not_taken_for_no_areas(settings):
    for read in READERS:  # the database is not migrated: no garbage_areas table
        with pytest.raises(OperationalError, match="no such table"):
            read(settings.database_url)


def test_staff_cli_lists_the_areas_and_sets_capacity_only_for_one_of_them(bot_env, capsys):
    capacity = ["booking", "capacity", "--date", PICKUP.isoformat(), "--set", "5", "--area"]
    assert cli.main(["areas"]) == 2
    assert "bot setup" in capsys.readouterr().err
    assert cli.main([*capacity, "泉野"]) == 2
    assert "bot setup" in capsys.readouterr().err
    add_areas(bot_env.database_url, "泉野", "浅野")
    assert cli.main(["areas"]) == 0 and capsys.readouterr().out == "泉野\n浅野\n"
    assert cli.main([*capacity, "泉の"]) == 2
    assert "`python -m bot areas` lists them" in capsys.readouterr().err
    assert cli.main([*capacity, "泉野"]) == 0 and capsys.readouterr().out == "泉野 2026-11-25: 0 booked of 5\n"
    with pytest.raises(UnknownArea):
        BookingStore(bot_env.database_url, load_config(bot_env.data_dir)).set_capacity("ほげほげ", PICKUP, 1)


def test_a_citizen_booking_before_the_areas_are_imported_is_told_so_politely(say):
    say("粗大ごみを出したい", sender="n")
    say("ソファ1点", sender="n")
    replies = say("さくら市泉野町3丁目5-1", sender="n")
    assert replies[0]["text"].startswith("申し訳ありません。収集地区の情報がまだ登録されていないため")
    assert "099-100-3333" in replies[0]["text"] and "bot setup" not in replies[0]["text"]


def test_a_line_location_before_the_areas_are_imported_says_the_days_are_not_registered(say, settings):
    replies = say(
        '/general_location{"location_address": "石川県金沢市浅野本町2丁目", "latitude": 36.574, "longitude": 136.670}',
        sender="loc",
    )
    assert replies[0]["text"].startswith("申し訳ありません。地区ごとの収集日の情報がまだ登録されていません。")
    assert load_city(settings.data_dir)["urls"]["garbage"] in replies[0]["text"]  # where the days are, meanwhile
    assert "お問い合わせください" in replies[-1]["text"]


def test_a_kana_address_or_area_is_answered_for_its_own_area_and_two_areas_each(demo_data, say):
    say("粗大ごみを出したい", sender="kana")
    say("ソファ1点", sender="kana")
    booked = say("いずみのまち3ちょうめ5-1", sender="kana")
    assert booked[0]["text"] == "いずみのまち3ちょうめ5-1（泉野地区）で承ります。"
    say("ごみの収集日を知りたい", sender="days")
    assert say("いずみのまち", sender="days")[0]["text"].startswith("泉野の収集日は次のとおりです。")
    say("ごみの収集日を知りたい", sender="two")
    both = [m["text"].split("\n")[0] for m in say("泉野と朝日", sender="two")]
    assert both[:2] == ["泉野の収集日は次のとおりです。", "朝日の収集日は次のとおりです。"]
    assert "お住まいの地区名を入力してください" in say("燃やすごみの日は？", sender="two")[-1]["text"]  # neither kept
