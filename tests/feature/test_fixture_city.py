"""The fixture city (tests/fixtures/city) stays a whole city: valid data for the project's domain, every typed intent
trained, and the demo's dialogue rules, so the engine tests that run on it see what a city sees."""

from __future__ import annotations

from bot.domain import Domain
from bot.settings import Settings
from bot.training_data import load_nlu
from bot.validate import validate
from tests.conftest import FIXTURE_CITY, PROJECT_DIR, fixture_city_env

# Intents that only channels and buttons send (never typed), and the fallback the engine sets itself.
UNTYPED = {"general_unsupported_media", "general_location", "general_inform", "nlu_fallback"}


def test_the_fixture_city_is_valid_for_the_project_domain(tmp_path):
    assert validate(Settings.from_env(env=fixture_city_env(tmp_path / "models"))) == []


def test_every_typed_intent_has_a_handful_of_examples():
    counts: dict[str, int] = {}
    for example in load_nlu([FIXTURE_CITY / "nlu"]).examples:
        counts[example.intent] = counts.get(example.intent, 0) + 1
    typed = set(Domain.load(PROJECT_DIR / "domain.yml").intents) - UNTYPED
    assert set(counts) == typed
    assert min(counts.values()) >= 5


def test_the_rules_are_the_demo_citys():
    """They link to data/rules/ (the dialogue of the features, the same in every city): a new file there needs a
    link here too (`ln -s ../../../../data/rules/<file>.yml tests/fixtures/city/rules/`)."""
    demo = sorted((PROJECT_DIR / "data" / "rules").glob("*.yml"))
    assert [(FIXTURE_CITY / "rules" / p.name).resolve() for p in demo] == [p.resolve() for p in demo]
    assert len(list((FIXTURE_CITY / "rules").iterdir())) == len(demo)
