"""The NLU's lookup tables come from the city's own garbage data under BOT_DATA_DIR (issue 12, point 1): the
sources data/garbage.yml lists, the staff's garbage_local.yml included; a missing file fails loudly."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest

from bot import model as bot_model
from bot.errors import ConfigError
from bot.nlu.registry import create
from bot.settings import Settings
from connectors import create_app
from tests.conftest import FIXTURE_CITY, fixture_city_env


def entities(settings: Settings, text: str) -> set[tuple[str, str]]:
    message = bot_model.load(settings).pipeline.parse(text, datetime.now)
    return {(e["entity"], e["value"]) for e in message.entities}


@pytest.fixture
def city(tmp_path) -> Settings:
    """A copy of the fixture city in a folder of its own, so a test may change its files."""
    folder = shutil.copytree(FIXTURE_CITY, tmp_path / "city")
    env = {
        **fixture_city_env(tmp_path / "models"),
        "BOT_DATA_DIR": str(folder),
        "BOT_CONFIG": str(folder / "config.yml"),
    }
    return Settings.from_env(env=env)


def test_items_of_garbage_local_and_areas_reach_the_nlu(city):
    local = city.data_dir / "garbage_local.yml"
    local.write_text(
        local.read_text(encoding="utf-8").replace(
            "items:\n", "items:\n  - name: 謎の置物\n    category: burnable\n", 1
        ),
        encoding="utf-8",
    )
    bot_model.train(city)
    found = entities(city, "謎の置物と大きい物置を捨てたい、浅野川に住んでいます")
    assert {("garbage_item", "謎の置物"), ("garbage_item", "大きい物置"), ("garbage_area", "浅野川")} <= found
    assert not bot_model.is_stale(city)
    local.write_text(local.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert bot_model.is_stale(city)  # a change to the city's own list retrains


def test_a_missing_source_file_fails_naming_the_file_and_the_setting(city):
    (city.data_dir / "opendata" / "tsu" / "original.csv").unlink()
    with pytest.raises(ConfigError) as err:
        bot_model.train(city)
    message = str(err.value)
    assert "garbage.yml sources[2]" in message and "opendata/tsu/original.csv" in message
    with pytest.raises(ConfigError, match=r"sources\[2\]"):  # the server does not start either
        create_app(city)


def test_a_missing_lookup_csv_of_config_fails_naming_the_file(tmp_path):
    extractor = create(
        "LookupEntityExtractor",
        {"tables": [{"entity": "garbage_item", "file": "nowhere/items.csv", "columns": ["name"]}]},
        {"project_dir": str(tmp_path)},
    )
    with pytest.raises(ConfigError) as err:
        extractor.train(bot_model.load_nlu([tmp_path]), [])
    assert "tables[0]" in str(err.value) and "nowhere/items.csv" in str(err.value)
