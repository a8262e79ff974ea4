"""`bot city check` (issue 12, point 6): what a city's data folder still holds of the demo city or of samples, each
with its file and line, and exit status 1 until nothing is left."""

from __future__ import annotations

import shutil

import pytest

from bot.cli import main as bot_main
from bot.settings import PROJECT_DIR
from services.garbage.collection import KINDS
from tests.conftest import FIXTURE_CITY

KAWASAKI = PROJECT_DIR / "tests" / "fixtures" / "kawasaki"
DEMO = PROJECT_DIR / "data"


@pytest.fixture
def city(tmp_path, monkeypatch):
    """Kawasaki adopted with the fixture city's training data and its own copy of the domain."""
    folder = tmp_path / "city"
    shutil.copytree(KAWASAKI, folder)
    for name in ("nlu", "rules", "faq"):
        shutil.copytree(FIXTURE_CITY / name, folder / name)
    shutil.copyfile(PROJECT_DIR / "domain.yml", folder / "domain.yml")
    monkeypatch.setenv("BOT_DATA_DIR", str(folder))
    return folder


def check(capsys) -> tuple[int, list[str]]:
    status = bot_main(["city", "check"])
    return status, capsys.readouterr().out.splitlines()


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_leftover_is_listed_with_its_place_until_none_is_left(city, capsys):
    demo_phone = "099-100-1111"  # an office of the demo city's city.yml
    assert demo_phone in (DEMO / "city.yml").read_text(encoding="utf-8")
    edit(city / "city.yml", "044-000-0002", demo_phone)
    edit(city / "garbage.yml", "      その他: other\n", "")
    (city / "nlu" / "areas.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: garbage_collection_day\n  examples: |\n    - [浅野川](garbage_area)のごみの日\n',
        encoding="utf-8",
    )
    shutil.copyfile(DEMO / "bulky_fees.yml", city / "bulky_fees.yml")
    shutil.copyfile(FIXTURE_CITY / "bulky.yml", city / "bulky.yml")  # booking on, with the demo's area capacity
    domain = city / "domain.yml"
    edit(domain, "〇〇町3丁目5-1", "泉野町3丁目5-1、099-100-3344")  # a demo district and phone in a reply
    status, lines = check(capsys)
    assert status == 1
    found = "\n".join(lines)
    assert "city.yml:4  marked `sample: true`" in found
    assert f"city.yml:23  the demo city's {demo_phone}: write the city's own" in found
    assert "garbage.yml sources[0] (kawasaki)  label `その他` maps onto no category: 95 row(s) skipped" in found
    assert "bulky_fees.yml  the demo city's file, unchanged" in found
    assert "bulky.yml:12  「浅野」: not one of the city's 0 collection areas" in found  # the demo's area capacity
    assert any(line.startswith("domain.yml:") and "099-100-3344" in line for line in lines)
    assert any(line.startswith("domain.yml:") and "「泉野」" in line for line in lines)
    assert any(line.startswith("faq/garbage.yml:") and "FAQ `" in line for line in lines)  # the demo's categories
    # Kawasaki has no collection areas: the examples' place names only teach the wording, any name will do
    assert not [line for line in lines if line.startswith("nlu/")]

    # the staff fix each one; then the check passes
    edit(city / "city.yml", "sample: true\n", "")
    edit(city / "city.yml", demo_phone, "044-000-0002")
    edit(
        city / "garbage.yml",
        "      資源集団回収: group_collection\n",
        "      資源集団回収: group_collection\n      その他: other\n",
    )
    (city / "nlu" / "areas.yml").unlink()
    (city / "bulky_fees.yml").unlink()
    edit(city / "bulky.yml", "    浅野: 10\n", "")
    edit(domain, "泉野町3丁目5-1、099-100-3344", "〇〇町3丁目5-1")
    status, lines = check(capsys)
    assert "bulky_fees.yml  missing: only garbage items with a `bulky_fee` can be booked (ADOPTING.md, step 5)" in lines
    assert any("`utter_ask_bulky_items` button" in line and "['sofa']" in line for line in lines)
    (city / "bulky_fees.yml").write_text(  # the city's own table, with the ids the domain's buttons choose
        "items:\n"
        + "".join(
            f"  - {{id: {i}, name: {n}, fee: 500}}\n"
            for i, n in [
                ("sofa", "ソファー"),
                ("chest", "たんす"),
                ("bed_frame", "ベッド"),
                ("bicycle", "自転車"),
                ("futon", "布団"),
            ]
        ),
        encoding="utf-8",
    )
    for path in (city / "faq").glob("*.yml"):  # the fixture city's bottles, びん, are 空きびん in Kawasaki
        path.write_text(path.read_text(encoding="utf-8").replace("びん", "空きびん"), encoding="utf-8")
    assert check(capsys) == (0, ["No demo or sample values found."])


def test_a_garbage_category_without_a_collection_kind_is_listed(city, capsys):
    """Its answers would say it goes out on a schedule; one `collected_with` a listed category is covered."""
    edit(city / "city.yml", "  other: none\n", "")
    edit(city / "city.yml", "  batteries: schedule\n", "")  # garbage.yml: batteries are collected_with cans_pet
    status, lines = check(capsys)
    missing = [line for line in lines if "`garbage_collection` has no entry" in line]
    assert status == 1
    other = "`other` (その他（市では収集しないものなど）)"
    assert missing == [f"city.yml:97  `garbage_collection` has no entry for {other}: add one of {', '.join(KINDS)}"]


def test_a_city_without_booking_is_not_asked_for_a_fee_table(city, capsys):
    """No bulky.yml, or `booking.enabled: false`: the chat takes no bookings, so no fee table or item button."""
    assert not (city / "bulky.yml").exists()
    lines = check(capsys)[1]
    assert not [line for line in lines if "bulky_fees.yml" in line]
    shutil.copyfile(FIXTURE_CITY / "bulky.yml", city / "bulky.yml")
    assert [line for line in check(capsys)[1] if "bulky_fees.yml" in line]  # booking on: the table is wanted
    edit(city / "bulky.yml", "booking:\n", "booking:\n  enabled: false\n")
    assert not [line for line in check(capsys)[1] if "bulky_fees.yml" in line]


def test_faq_answers_are_checked_not_the_citizens_words(city, capsys):
    """The demo's FAQ files, copied unchanged, are templates of the city's city.yml: not a finding. What is: an
    answer (not a title or an example question) naming a category the city does not have, and the demo's name in a
    title or an answer. A longer noun beginning with a category's name (小型家電回収ボックス) is not that category."""
    shutil.copyfile(DEMO / "faq" / "certificates.yml", city / "faq" / "certificates.yml")
    entry = (
        "  - id: garbage_burnable_test\n    title: 燃やすごみの出し方\n    examples: [燃やすごみはいつ出すの]\n"
        '    answer: "{answer}"\n'
    )
    faq = city / "faq" / "burnable.yml"
    faq.write_text(
        "faq:\n  entries:\n" + entry.format(answer="{city.name}では普通ごみです。スマホは「小型家電回収ボックス」へ。"),
        encoding="utf-8",
    )
    lines = check(capsys)[1]
    assert not [line for line in lines if line.startswith(("faq/certificates.yml  ", "faq/burnable.yml"))]
    faq.write_text(
        "faq:\n  entries:\n" + entry.format(answer="さくら市では燃やすごみとして出してください。"), encoding="utf-8"
    )
    lines = [line for line in check(capsys)[1] if line.startswith("faq/burnable.yml")]
    assert lines == [
        (
            "faq/burnable.yml:3  FAQ `garbage_burnable_test` names the demo city 「さくら市」: write {city.name} or the "
            "city's own text"
        ),
        (
            "faq/burnable.yml:3  FAQ `garbage_burnable_test`'s answer names 「燃やすごみ」, not a garbage category of this "
            "city (city.yml garbage_categories): rewrite it for the city's categories"
        ),
    ]


def test_a_broken_formats_pattern_is_listed(city, capsys):
    """What `bot run` refuses is said here too, with the fields the pattern may use (bot/formats.py)."""
    edit(city / "city.yml", '({weekday})"\n  long_date', '({youbi})"\n  long_date')
    status, lines = check(capsys)
    assert status == 1
    assert [line for line in lines if "`formats.date` uses ['day', 'month', 'youbi']" in line]


def test_a_citys_own_domain_lacking_a_reply_of_the_projects_is_listed(city, capsys):
    """A copied domain.yml stops following the project's: a reply added since would be silently missing."""
    edit(city / "domain.yml", "  utter_bulky_booking_off:", "  utter_bulky_booking_off_old:")
    status, lines = check(capsys)
    assert status == 1
    assert [line for line in lines if line.startswith("domain.yml  lacks `utter_bulky_booking_off`")]
