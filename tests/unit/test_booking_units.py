"""Bulky-waste booking: the plain decisions (fees, addresses, dates, contact details, navigation, config), on the
fixture city's fee table and booking rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timezone

import pytest
import yaml

from bot.errors import ConfigError
from bot.formats import load_formats
from bot.settings import Settings
from services.booking import calendar
from services.booking.config import BookingConfig, load_config, parse
from services.booking.contact import (
    NUMBER_ALPHABET,
    clean_name,
    find_booking_number,
    format_phone,
    new_booking_number,
    normalize_booking_number,
    normalize_phone,
)
from services.booking.conversation import (
    Navigation,
    asks_something_else,
    looks_like_phone,
    manage_op,
    navigation,
    payment_choice,
    previous,
    reads_as_name,
    summary,
)
from services.booking.fees import check_quantities, describe, load_table, parse_fee, parse_items
from services.payments.sandbox import sandbox_secret
from tests.conftest import FIXTURE_CITY

TODAY = date(2026, 11, 20)  # a Friday; Monday 11-23 is 勤労感謝の日


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return load_table(FIXTURE_CITY, f"sqlite:///{tmp_path_factory.mktemp('fees') / 'none.sqlite3'}")


@pytest.fixture(scope="module")
def config():
    return load_config(FIXTURE_CITY)


@pytest.fixture(scope="module")
def formats():
    return load_formats(FIXTURE_CITY)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ソファ1点とタンス2つ", [("sofa", 1), ("chest", 2)]),
        ("ｿﾌｧ", [("sofa", 1)]),
        ("そふぁー", [("sofa", 1)]),
        ("ふとん3枚、ベッド", [("futon", 3), ("bed_frame", 1)]),
        ("二つのタンスと自転車", [("chest", 2), ("bicycle", 1)]),
        ("ソファベッドを捨てたい", [("sofa_bed", 1)]),
        ("椅子×3と椅子2脚", [("chair", 5)]),
        ("古い電子ピアノ", [("electronic_piano", 1)]),
    ],
)
def test_items_are_read_with_quantities(table, text, expected):
    parsed = parse_items(text, table)
    assert [(line.id, line.quantity) for line in parsed.lines] == expected
    assert not parsed.unknown and not parsed.refused


def test_refused_unknown_and_bad_quantities_are_reported_apart(table):
    parsed = parse_items("ソファとテレビとパソコン、ピアノ", table)
    assert [line.id for line in parsed.lines] == ["sofa"]
    assert parsed.refused == {
        "appliance_recycling": ["テレビ"],
        "pc_recycling": ["パソコン"],
        "not_collected": ["ピアノ"],
    }
    assert parse_items("大きい家具を捨てたい", table).unknown == ["家具"]
    assert parse_items("ストーブとベビーカー", table).unknown == ["ストーブ", "ベビーカー"]  # not 「スト」, 「ベビ」
    assert parse_items("粗大ごみを出したい", table).names_an_item is False
    assert parse_items("粗大ごみを予約したいんですが、料金はいくらですか", table).names_an_item is False
    zero = parse_items("ソファ0台", table)
    assert zero.bad_quantity == [("ソファー", 0)] and not zero.lines
    huge = parse_items("ソファ999個", table)
    check_quantities(huge, 10)
    assert huge.bad_quantity == [("ソファー", 999)] and not huge.lines
    assert [i.id for i in table.suggest("ソファ-")][:1] == ["sofa"]


def test_fees_are_shown_per_item_and_in_sum(table, formats):
    lines = parse_items("ソファ1点とタンス2つ", table).lines
    assert describe(lines, "合計", formats) == "・ソファー ×1　1,000円\n・たんす ×2　2,000円\n合計　3,000円"
    assert parse_fee("1,000円") == 1000 and parse_fee("500円～1,000円") is None and parse_fee("要相談") is None


def test_dictionary_items_of_the_garbage_helper_are_bookable_and_appliances_refused(tmp_path):
    from sqlalchemy import insert

    from bot.store.db import session_factory
    from bot.store.migrate import upgrade
    from services.garbage.models import GarbageItem, GarbageSource

    url = f"sqlite:///{tmp_path / 'garbage.sqlite3'}"
    upgrade(url)
    row = {"source": "local", "notes": "", "remarks": "", "reading": "", "area": "", "position": 0, "synonyms": []}
    with session_factory(url)() as s, s.begin():
        s.execute(
            insert(GarbageSource).values(
                name="local",
                format="yaml",
                location="",
                priority=1,
                checksum="x",
                counts={},
                revision=1,
                updated_at=datetime.now(UTC),
            )
        )
        s.execute(
            insert(GarbageItem).values(
                key="a", name="ロッキングチェア（７０㎝を超えるもの）", category="bulky", bulky_fee="1,200円", **row
            )
        )
        s.execute(
            insert(GarbageItem).values(
                key="b",
                name="ワインセラー",
                category="appliance_recycling",
                bulky_fee="",
                **{**row, "synonyms": ["ワインクーラー"]},
            )
        )
    parsed = parse_items("ロッキングチェアとワインクーラー", load_table(FIXTURE_CITY, url))
    assert [(line.name, line.fee) for line in parsed.lines] == [("ロッキングチェア", 1200)]
    assert parsed.refused == {"appliance_recycling": ["ワインクーラー"]}


def test_pickup_days_skip_weekends_holidays_and_year_end(config):
    # 2 working days after Friday 11-20: Tue 24, Wed 25 (Monday 23 is a holiday)
    assert calendar.earliest(TODAY, config) == date(2026, 11, 25)
    days = list(calendar.pickup_days(TODAY, config))
    assert days[:3] == [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)]
    assert date(2026, 11, 28) not in days and date(2026, 12, 31) not in days and date(2027, 1, 11) not in days
    check = calendar.check_date
    assert check("2027-02-30", TODAY, config).problem == calendar.INVALID
    assert check("2026-11-19", TODAY, config).problem == calendar.PAST
    assert check("2026-11-24", TODAY, config).problem == calendar.TOO_SOON
    assert check("2026-11-28", TODAY, config).problem == calendar.NO_PICKUP_WEEKDAY
    holiday = check("2026-11-23", TODAY, config)
    assert holiday.problem == calendar.HOLIDAY and holiday.holiday == "勤労感謝の日"
    assert check("2026-12-30", TODAY, config).problem == calendar.CLOSED
    assert check("2027-03-01", TODAY, config).problem == calendar.TOO_FAR
    assert check("2026-11-25", TODAY, config).ok
    # Cancelling a Wednesday 11-25 pickup: 2 working days before is Friday 11-20 (Tue 24, then Fri 20 over the holiday)
    assert calendar.change_deadline(date(2026, 11, 25), config) == date(2026, 11, 20)


def test_phone_numbers_names_and_booking_numbers():
    assert normalize_phone("090-1234-5678") == "09012345678"
    assert normalize_phone("０９９（１００）３３４４") == "0991003344"
    assert normalize_phone("電話番号は09012345678です") == "09012345678"
    for bad in ("0120", "12345678901", "090-1234-567", "03-1234-56789", "01234567890", "電話します"):
        assert normalize_phone(bad) is None, bad
    assert format_phone("09012345678") == "090-1234-5678"
    assert clean_name("山田 花子です") == "山田 花子" and clean_name("私は山田と申します") == "山田"
    assert clean_name("12345") is None and clean_name("a" * 41) is None and clean_name("http://x") is None
    numbers = {new_booking_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert number[:3] == "SD-" and len(number) == 12
        assert set(number[3:].replace("-", "")) <= set(NUMBER_ALPHABET)
    assert not set("01OIL") & set(NUMBER_ALPHABET)
    assert normalize_booking_number("sd-abcd-efgh") == "SD-ABCD-EFGH"
    assert normalize_booking_number("ＳＤＡＢＣＤＥＦＧＨ") == "SD-ABCD-EFGH"
    assert find_booking_number("予約SD-ABCD-EFGHの確認") == "SD-ABCD-EFGH"
    assert normalize_booking_number("SD-ABC") is None


def test_navigation_commands_and_payment_choices():
    assert navigation("戻る", "bulky_date") == Navigation("back", "bulky_address")
    assert navigation("前に戻って", "bulky_items") == Navigation("back", None)
    assert navigation("住所を変更", "bulky_confirmed") == Navigation("edit", "bulky_address")
    assert navigation("電話番号を間違えた", "bulky_payment") == Navigation("edit", "bulky_phone")
    assert navigation("粗大ごみの日付を変えたい", "bulky_name") == Navigation("edit", "bulky_date")
    assert navigation("泉野町3-5-1", "bulky_address") is None
    assert navigation(True, "bulky_confirmed") is None
    assert previous("bulky_confirmed", skip=("bulky_payment",)) == "bulky_phone"
    methods = ("sticker", "online")
    assert payment_choice("オンラインで払う", methods) == "online"
    assert payment_choice("コンビニで処理券を買う", methods) == "sticker"
    assert payment_choice("sticker", methods) == "sticker"
    assert payment_choice("どちらでも", methods) is None
    assert payment_choice("カードで", ("sticker",)) is None


@pytest.mark.parametrize(
    "text, date, asks",
    [
        ("12月3日は燃えるごみの日ですか", "12月3日", True),
        ("12月3日は何ごみの日", "12月3日", True),
        ("3日は祝日ですか？", "3日", True),
        ("3日", "3日", False),
        ("3日がいい", "3日", False),
        ("12月3日はどうですか", "12月3日", False),
        ("12月3日(木)は空いていますか", "12月3日(木)", False),
        ("3日は予約できますか", "3日", False),
        ("12月3日の午前中でも大丈夫ですか", "12月3日", False),
    ],
)
def test_a_date_offered_at_a_date_prompt_is_told_from_a_question_of_its_own(text, date, asks):
    assert asks_something_else(text, [(text.index(date), text.index(date) + len(date))]) is asks


def test_phone_numbers_are_told_from_dates():
    for text in ("090-1111-2222", "0901112222", "03-1234-5678", "０９０－１１１１－２２２２", "03-12-3456"):
        assert looks_like_phone(text), text
    for text in ("12月3日", "2026-12-03", "12-3", "浅野1丁目2-3", "3日"):
        assert not looks_like_phone(text), text


def test_what_a_citizen_wants_done_with_a_booking():
    assert manage_op("粗大ごみの予約をキャンセルしたい") == "cancel"
    assert manage_op("予約した日を別の日にしたい") == "change_date"
    assert manage_op("手数料を支払いたい") == "pay"
    assert manage_op("予約を確認したい") == "status"


def test_the_sandbox_secret_comes_from_the_environment_or_a_file_never_a_default_in_production(tmp_path):
    def secret(**env):
        return sandbox_secret(Settings.from_env(env, project_dir=tmp_path))

    assert secret(PAYMENT_SANDBOX_SECRET="from-env") == "from-env"
    generated = secret()
    assert len(generated) == 64 and secret() == generated
    assert (tmp_path / "var" / "payment_sandbox_secret").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConfigError, match="PAYMENT_SANDBOX_SECRET"):
        secret(BOT_ENV="production")


def test_summary_rows_come_from_the_slots(config, formats):
    slots = {
        "bulky_items": [{"id": "sofa", "name": "ソファー", "quantity": 2, "fee": 1000}],
        "bulky_address": "泉野町3-5-1",
        "bulky_area": "泉野",
        "bulky_date": "2026-11-25",
        "bulky_name": "山田花子",
        "bulky_phone": "09012345678",
        "bulky_payment": "online",
    }
    rows, total = summary(slots, config, formats)
    label = config.field_labels
    assert rows[0] == [label["bulky_items"], "ソファー ×2（2,000円）"]
    assert rows[1] == [label["bulky_address"], "泉野町3-5-1（泉野）"]
    assert rows[2] == [label["bulky_date"], "2026年11月25日(水)"] and rows[4] == [label["bulky_phone"], "090-1234-5678"]
    assert total == f"{config.total_label} 2,000円"


def test_config_errors_name_the_allowed_keys(tmp_path):
    doc = yaml.safe_load((FIXTURE_CITY / "bulky.yml").read_text(encoding="utf-8"))
    assert parse(doc, tmp_path / "bulky.yml").cancel_deadline_working_days == 2
    with pytest.raises(ConfigError, match="lead_working_days"):
        parse({**doc, "booking": {**doc["booking"], "lead_days": 2}}, tmp_path / "bulky.yml")
    with pytest.raises(ConfigError, match="mon, tue"):
        parse({**doc, "booking": {**doc["booking"], "pickup_weekdays": ["月"]}}, tmp_path / "bulky.yml")
    with pytest.raises(ConfigError, match="sticker, online"):
        parse({**doc, "payment": {**doc["payment"], "methods": ["cash"]}}, tmp_path / "bulky.yml")
    with pytest.raises(ConfigError, match=r"booking\.enabled must be true or false"):
        parse({**doc, "booking": {**doc["booking"], "enabled": "no"}}, tmp_path / "bulky.yml")
    assert load_config(tmp_path) == BookingConfig(enabled=False)  # no bulky.yml: the defaults, and no bookings


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "expected"),
    [
        ("山田花子", "general_out_of_scope", 0.9, True),
        ("保坂", "childcare_nursery", 0.61, True),  # a name the NLU reads as a topic, but unsurely
        ("住民票", "certificates_residence_record", 0.95, False),
        ("ありがとう", "general_thanks", 0.93, False),
        ("山田 花子です", "general_deny", 0.33, True),  # small talk read barely above the fallback
        ("名前は言いたくない", "general_out_of_scope", 0.9, False),
        ("国保に入りたい", None, 0.0, False),
    ],
)
def test_a_name_is_neither_small_talk_nor_a_topic_read_with_confidence(text, intent, confidence, expected):
    assert reads_as_name(text, intent, confidence) is expected
