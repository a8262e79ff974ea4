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
    (city / "bulky.yml").write_text("booking:\n  capacity:\n    浅野: 10\n", encoding="utf-8")
    status, lines = check(capsys)
    assert status == 1
    found = "\n".join(lines)
    assert "city.yml:4  marked `sample: true`" in found
    assert f"city.yml:23  the demo city's {demo_phone}" in found
    assert "garbage.yml sources[0] (kawasaki)  label `その他` maps onto no category: 95 row(s) skipped" in found
    assert "nlu/areas.yml:5  「浅野川」: not one of the city's 0 collection areas" in found
    assert "bulky_fees.yml  the demo city's file, unchanged" in found
    assert "bulky.yml:3  「浅野」: not one of the city's 0 collection areas" in found  # the demo's area capacity
    assert any(line.startswith("domain.yml:") and "099-100-3344" in line for line in lines)  # a demo phone example
    assert any(line.startswith("faq/garbage.yml:") and "FAQ `" in line for line in lines)  # the demo's categories

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
    (city / "bulky.yml").unlink()
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
    for path in (city / "nlu").glob("*.yml"):
        path.write_text(path.read_text(encoding="utf-8").replace("浅野川", "中原区"), encoding="utf-8")
    domain = city / "domain.yml"
    edit(domain, "099-100-3344", "044-000-1234")
    edit(domain, "泉野町3丁目5-1", "中原区小杉町3丁目5-1")
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
