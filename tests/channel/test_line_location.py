"""A shared location as the garbage collection area: the city's bounds and the address words that name an area."""

from __future__ import annotations

import pytest

from bot.city import load_city
from bot.errors import ConfigError
from bot.settings import Settings
from services.garbage.areas import Area, Areas
from services.garbage.location import Bounds, area_for_address, city_bounds, local_part


@pytest.mark.parametrize(
    "address, words",
    [
        ("〒920-0842 石川県金沢市浅野本町2丁目", "浅野本町"),
        ("日本、〒920-0981 石川県金沢市片町１丁目１−１", "片町"),
        ("神奈川県横浜市中区山下町279", "山下町"),
        ("石川県河北郡津幡町字加賀爪ニ3", "字加賀爪ニ"),
        ("浅野本町", "浅野本町"),
        ("", ""),
    ],
)
def test_the_words_after_the_municipality_name_the_area(address, words):
    assert local_part(address) == words


@pytest.mark.parametrize(
    "address, area",
    [
        ("〒921-8034 石川県金沢市泉野町3丁目5-1", "泉野"),  # not 野町, which is inside 泉野町 too
        ("石川県金沢市野町2丁目", "野町"),
        ("石川県金沢市浅野川1丁目", "浅野川"),  # the longest name at the start
        ("〒920-0842 石川県金沢市浅野本町2丁目", "浅野"),
        ("石川県金沢市広坂1丁目", None),
    ],
)
def test_the_earliest_longest_area_name_in_the_address_wins(address, area):
    areas = Areas([Area(name, {}) for name in ("泉野", "野町", "浅野", "浅野川")])
    found = area_for_address(address, areas)
    assert (found.name if found else None) == area


def test_the_demo_city_has_bounds_around_its_collection_areas():
    bounds = city_bounds(load_city(Settings.from_env(env={}).data_dir))
    assert bounds.contains(36.574, 136.670)  # 金沢市浅野本町
    assert not bounds.contains(35.681, 139.767)  # 東京駅


def test_bounds_are_optional_but_checked_when_given():
    assert city_bounds({"city": {"name": "x"}}) is None
    with pytest.raises(ConfigError, match="south, west, north and east"):
        city_bounds({"bounds": {"south": 1, "west": 2}})
    with pytest.raises(ConfigError, match="south < north"):
        city_bounds({"bounds": {"south": 37, "west": 136, "north": 36, "east": 137}})
    assert city_bounds({"bounds": {"south": "36.4", "west": 136.5, "north": 36.7, "east": 136.9}}) == Bounds(
        36.4, 136.5, 36.7, 136.9
    )
