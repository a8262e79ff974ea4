"""A running server picks up a newly trained model without a restart and without failing a request (on the fixture
city, whose model trains in seconds)."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
import requests

from bot import model as bot_model
from bot.engine import Engine
from connectors import create_app
from tests.conftest import LiveServer

pytestmark = pytest.mark.fixture_city


@pytest.fixture
def extra_env():
    """Four clients hammer the server from one address: rate limits that never refuse them."""
    return {"BOT_RATE_LIMIT_PER_IP": "1000000/minute", "BOT_RATE_LIMIT_PER_SENDER": "1000000/minute"}


def test_new_model_is_loaded_while_requests_keep_succeeding(bot_env, tmp_path):
    model_dir = tmp_path / "models"
    shutil.copytree(bot_env.model_dir, model_dir)
    settings = bot_env.with_(model_dir=model_dir)
    engine = Engine(settings, watch=True)
    statuses, stop = [], threading.Event()
    with LiveServer(create_app(settings, engine=engine)) as server:
        before = requests.get(server.url + "/version").json()["model_trained_at"]

        def hammer(i):
            n = 0
            while not stop.is_set():
                r = requests.post(
                    server.url + "/webhooks/rest/webhook", json={"sender": f"h{i}", "message": f"住民票{n}"}
                )
                statuses.append(r.status_code)
                n += 1

        threads = [threading.Thread(target=hammer, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        bot_model.train(settings)  # writes the new model atomically into the watched folder
        deadline = time.time() + 15
        after = before
        while time.time() < deadline and after == before:
            time.sleep(0.2)
            after = requests.get(server.url + "/version").json()["model_trained_at"]
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
    engine.close()
    assert after > before
    assert statuses and set(statuses) == {200}


def test_the_watcher_swaps_only_complete_models_of_this_format(fixture_city, tmp_path):
    """It reads `models/current`, which a training replaces last: half-written or foreign models never get in."""
    import json
    from dataclasses import replace

    shutil.copytree(fixture_city.model_dir, tmp_path / "models")
    settings = fixture_city.with_(model_dir=tmp_path / "models")
    loaded = []
    holder = bot_model.ModelHolder(settings, on_load=loaded.append)
    first = holder.model
    assert loaded == [first] and holder.check() is False
    # a training still writing its temporary directory changes nothing the watcher looks at
    half = settings.model_dir / ".tmp-model-20990101-000000-abcdef"
    (half / "nlu").mkdir(parents=True)
    assert holder.check() is False and holder.model is first
    newer = bot_model.save(replace(first, trained_at=first.trained_at + 1), settings)
    assert holder.check() is True and holder.model.trained_at == first.trained_at + 1 and len(loaded) == 2
    assert holder.check() is False
    # a model of another format made current (say, by an older release): refused, the current one kept
    foreign = settings.model_dir / "model-20990101-000000-fedcba"
    shutil.copytree(newer, foreign)
    manifest = json.loads((foreign / "manifest.json").read_text(encoding="utf-8"))
    (foreign / "manifest.json").write_text(json.dumps({**manifest, "format": 999}), encoding="utf-8")
    (settings.model_dir / "current").write_text(foreign.name)
    assert holder.check() is False and holder.check() is False
    assert holder.model.trained_at == first.trained_at + 1 and len(loaded) == 2
    bot_model.save(replace(first, trained_at=first.trained_at + 2), settings)
    assert holder.check() is True and holder.model.trained_at == first.trained_at + 2
