"""The model file: a directory of plain data (JSON and NumPy arrays, no pickle) with a format version stamp.

On the fixture city's model (`fixture_city`), trained once per run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot import __version__
from bot import model as bot_model
from bot.domain import Domain
from bot.errors import ModelFormatError, ModelNotFound
from bot.settings import PROJECT_DIR
from bot.training_data import Rule, load_nlu, load_rules
from tests.conftest import FIXTURE_CITY

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def copied(fixture_city, tmp_path):
    """Settings whose model folder is a private copy of the trained model."""
    shutil.copytree(fixture_city.model_dir, tmp_path / "models")
    return fixture_city.with_(model_dir=tmp_path / "models")


def _manifest_path(settings):
    return bot_model.current_model_dir(settings) / bot_model.MANIFEST_FILE


def test_the_model_is_a_directory_of_json_and_numpy_arrays_without_pickle(fixture_city):
    directory = bot_model.current_model_dir(fixture_city)
    assert (fixture_city.model_dir / "current").read_text().strip() == directory.name
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == bot_model.MODEL_FORMAT and manifest["bot_version"] == __version__
    assert manifest["fingerprint"] and manifest["trained_at"] > 0
    names = [c["name"] for c in manifest["components"]]
    assert names == [c["name"] for c in bot_model.read_config(fixture_city)["pipeline"]]
    for entry in manifest["components"]:
        assert (directory / "nlu" / entry["folder"]).is_dir()
    files = [p for p in fixture_city.model_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in (".pkl", ".pickle")]
    assert {p.suffix for p in files} <= {"", ".json", ".npz"}  # "" is the `current` pointer
    arrays = [p for p in files if p.suffix == ".npz"]
    assert arrays
    for path in arrays:
        with np.load(path, allow_pickle=False) as npz:  # an object array would need pickle and raise here
            assert all(npz[k].dtype != object for k in npz.files)
    for path in files:
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        assert path.read_bytes()[:2] not in (b"\x80\x04", b"\x80\x05"), path  # no pickle stream under any name


def test_save_then_load_gives_the_same_model_and_the_same_parses(fixture_city, tmp_path):
    model = bot_model.load(fixture_city)
    other = fixture_city.with_(model_dir=tmp_path / "models")
    bot_model.save(model, other)
    loaded = bot_model.load(other)
    assert loaded.domain == model.domain and loaded.rules == model.rules and loaded.config == model.config
    assert (loaded.fingerprint, loaded.trained_at) == (model.fingerprint, model.trained_at)
    texts = [e.text for e in load_nlu([FIXTURE_CITY / "nlu"]).examples][::5]
    assert len(texts) >= 50
    for text in [*texts, "ｽﾌﾟﾚｰ缶を明日出したい", "電話は090-1234-5678です", ""]:
        assert (
            loaded.pipeline.parse(text, lambda: NOW).as_parse_data()
            == model.pipeline.parse(text, lambda: NOW).as_parse_data()
        ), text


def test_domain_and_rules_are_rebuilt_from_plain_data():
    domain = Domain.load(PROJECT_DIR / "domain.yml")
    assert Domain.from_dict(json.loads(json.dumps(domain.to_dict()))) == domain
    rules = load_rules([FIXTURE_CITY])
    assert rules and [Rule.from_dict(json.loads(json.dumps(r.to_dict()))) for r in rules] == rules


def test_a_model_of_another_format_gives_a_clear_error_and_is_stale(copied):
    assert not bot_model.is_stale(copied)
    path = _manifest_path(copied)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "format": bot_model.MODEL_FORMAT + 1}), encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"format 2 .*reads format 1.*Retrain with `python -m bot train`"):
        bot_model.load(copied)
    assert bot_model.is_stale(copied)


def test_a_model_whose_components_this_code_does_not_know_is_refused(copied):
    path = _manifest_path(copied)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["components"][0]["name"] = manifest["config"]["pipeline"][0]["name"] = "OldTokenizer"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"OldTokenizer.*does not know.*python -m bot train"):
        bot_model.load(copied)


def test_train_if_stale_retrains_a_model_of_another_format(copied, monkeypatch):
    from bot.cli import cmd_train

    trained = []
    monkeypatch.setattr(bot_model, "train", lambda settings, progress=None: trained.append(settings))
    cmd_train(argparse.Namespace(if_stale=True), copied)
    assert trained == []  # current: nothing to do
    path = _manifest_path(copied)
    path.write_text(json.dumps({**json.loads(path.read_text()), "format": 0}), encoding="utf-8")
    cmd_train(argparse.Namespace(if_stale=True), copied)
    assert trained == [copied]


def test_a_pickled_model_of_an_older_version_is_stale_and_named_in_the_error(fixture_city, tmp_path):
    settings = fixture_city.with_(model_dir=tmp_path / "models")
    with pytest.raises(ModelNotFound, match="python -m bot train"):
        bot_model.load(settings)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model.pkl").write_bytes(b"\x80\x05old")
    (tmp_path / "models" / "fingerprint.json").write_text("{}")
    with pytest.raises(ModelFormatError, match=r"model\.pkl.*pickled.*python -m bot train"):
        bot_model.load(settings)
    assert bot_model.is_stale(settings)
    bot_model.save(bot_model.load(fixture_city), settings)  # what training does next
    assert not (tmp_path / "models" / "model.pkl").exists() and not (tmp_path / "models" / "fingerprint.json").exists()
    assert bot_model.load(settings).domain.intents


def test_a_damaged_model_gives_a_clear_error(copied):
    directory = bot_model.current_model_dir(copied)
    next(directory.rglob("arrays.npz")).unlink()
    with pytest.raises(ModelFormatError, match=r"incomplete or damaged.*python -m bot train"):
        bot_model.load(copied)


def test_saving_keeps_the_current_and_the_previous_model_only(copied, monkeypatch):
    monkeypatch.setattr(bot_model, "KEEP_RECENT_SECONDS", -1)
    model = bot_model.load(copied)
    crashed = copied.model_dir / ".tmp-model-crashed"
    crashed.mkdir()
    old = time.time() - 2 * bot_model.KEEP_TMP_SECONDS
    os.utime(crashed, (old, old))
    written = [bot_model.save(replace(model, trained_at=model.trained_at + i), copied) for i in range(1, 4)]
    assert bot_model.current_model_dir(copied) == written[-1]
    assert sorted(p.name for p in copied.model_dir.iterdir()) == sorted(["current", written[-2].name, written[-1].name])
    assert bot_model.load(copied).trained_at == model.trained_at + 3
