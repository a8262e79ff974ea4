"""How each category is collected (data/city.yml `garbage_collection`): read and checked when loaded."""

from __future__ import annotations

import shutil

import pytest
import yaml

from bot.errors import ConfigError
from services.garbage.collection import KINDS, collection_kinds
from tests.conftest import FIXTURE_CITY


def _city(tmp_path, section):
    """A copy of the fixture city's profile with `garbage_collection` replaced (None removes it)."""
    shutil.copy(FIXTURE_CITY / "city.yml", tmp_path / "city.yml")
    profile = yaml.safe_load((tmp_path / "city.yml").read_text(encoding="utf-8"))
    profile.pop("garbage_collection", None)
    if section is not None:
        profile["garbage_collection"] = section
    (tmp_path / "city.yml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_every_category_of_the_fixture_city_says_how_it_is_collected():
    profile = yaml.safe_load((FIXTURE_CITY / "city.yml").read_text(encoding="utf-8"))
    kinds = collection_kinds(FIXTURE_CITY)
    assert set(kinds) == set(profile["garbage_categories"]) and set(kinds.values()) <= set(KINDS)


def test_a_city_without_the_section_has_no_kinds(tmp_path):
    assert collection_kinds(_city(tmp_path, None)) == {}


@pytest.mark.parametrize(
    "section, named",
    [({"burnable": "weekly"}, "weekly"), ({"compost": "schedule"}, "compost"), (["burnable"], "garbage_collection")],
)
def test_a_wrong_kind_or_category_fails_naming_it(tmp_path, section, named):
    with pytest.raises(ConfigError, match=named):
        collection_kinds(_city(tmp_path, section))
