"""A city that changes config.yml, domain.yml or endpoints.yml keeps its copy in its data folder (issue 12, point 1)."""

from __future__ import annotations

from bot.settings import PROJECT_DIR, Settings


def test_the_data_folder_copy_replaces_the_project_file_and_a_variable_beats_both(tmp_path):
    city = tmp_path / "city"
    city.mkdir()
    (city / "config.yml").write_text("language: ja\n", encoding="utf-8")
    (city / "endpoints.yml").write_text("action_endpoint: {url: 'http://127.0.0.1:5055/webhook'}\n", encoding="utf-8")
    settings = Settings.from_env(env={"BOT_DATA_DIR": str(city)})
    assert settings.config_file == city / "config.yml"
    assert settings.endpoints_file == city / "endpoints.yml"
    assert settings.domain_file == PROJECT_DIR / "domain.yml"  # the city has no copy: the project's
    chosen = Settings.from_env(env={"BOT_DATA_DIR": str(city), "BOT_CONFIG": "config.yml"})
    assert chosen.config_file == PROJECT_DIR / "config.yml"  # relative to the project, as every variable


def test_the_demo_city_uses_the_project_files():
    settings = Settings.from_env(env={})
    assert (settings.config_file, settings.domain_file) == (PROJECT_DIR / "config.yml", PROJECT_DIR / "domain.yml")
