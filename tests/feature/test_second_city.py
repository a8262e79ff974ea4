"""A second real city in CI (issue 12, point 8): 川崎市, whose 3,674-item dictionary this project was not built on,
adopted from scratch in a temporary data folder as ADOPTING.md says — copy the training data, add the city's
profile, its garbage list and the mapping, check the mapping, train, import, serve — then asked about a seeded
random sample of its items in everyday phrasings through the real HTTP server.

For speed the training data copied is the fixture city's small set (ADOPTING.md copies the project's `data/`);
bench/bench_second_city.py measures the same on the full training data (bench/RESULTS.md).
"""

from __future__ import annotations

import csv
import random
import re
import shutil
from collections import Counter

import pytest
import requests
import yaml

from bot.city import load_city
from bot.cli import main as bot_main
from bot.settings import PROJECT_DIR, Settings
from services.garbage.config import load_config
from tests.conftest import FIXED_NOW, FIXTURE_CITY, LiveServer

KAWASAKI = PROJECT_DIR / "tests" / "fixtures" / "kawasaki"
PHRASINGS = ("{}は何ごみですか", "{}を捨てたい", "{}の出し方", "{}ってどうやって捨てるの")
SAMPLE, SEED = 40, 12
# The target of issue 12; this sample measured 98.8% (158 of 160) when written (bench/RESULTS.md: the full figures).
FLOOR = 0.95
# Seconds one answer may take: far above a warmed-up answer (well under a second), so only a hung server fails,
# even on a loaded machine.
REQUEST_TIMEOUT = 60


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    """ADOPTING.md's steps for Kawasaki, in a new folder; yields the settings of the running city."""
    root = tmp_path_factory.mktemp("kawasaki")
    city = root / "data"
    # Step 2: the training data every city starts from (here the fixture city's, to train in seconds)
    for name in ("nlu", "rules", "faq"):
        shutil.copytree(FIXTURE_CITY / name, city / name)
    # Steps 3-4: the city's profile, its garbage list as published and the column mapping
    shutil.copytree(KAWASAKI, city, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    env = {
        "BOT_DATA_DIR": str(city),
        "BOT_DATABASE_URL": f"sqlite:///{root / 'bot.sqlite3'}",
        "BOT_MODEL_DIR": str(root / "models"),
        "BOT_FIXED_NOW": FIXED_NOW,
        "BOT_RATE_LIMIT_PER_IP": "100000/minute",  # one test client asks 160 questions in seconds
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        # Steps 4-6: the mapping checked, then train, import (setup)
        assert bot_main(["import", "garbage", "--dry-run"]) == 0
        assert bot_main(["train"]) == 0
        assert bot_main(["setup"]) == 0
        yield Settings.from_env()


@pytest.fixture(scope="module")
def server(adopted):
    """Step 7: serve (a real waitress server, as `bot run` starts), warmed up as `bot run` does but before the first
    question: otherwise that question builds the lookup index of Kawasaki's 3,674 items inside its timeout."""
    from connectors import create_app

    app = create_app(adopted)
    assert app.extensions["bot_engine"].warm_up() > 0
    with LiveServer(app) as live:
        yield live.url
    app.extensions["bot_engine"].close()


def items() -> list[dict[str, str]]:
    with open(KAWASAKI / "opendata" / "kawasaki" / "original.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def messages(url: str, sender: str, text: str) -> list[dict]:
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT
    )
    assert response.status_code == 200
    return response.json()


def ask(url: str, sender: str, text: str) -> str:
    return "\n".join(m.get("text") or "" for m in messages(url, sender, text))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_mapping_is_checked_before_anything_is_written(adopted, capsys):
    assert bot_main(["import", "garbage", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "items 3674" in out and "0 row(s) would be skipped" in out and "NOT MAPPED" not in out


def test_its_items_get_their_own_category_and_notes_in_everyday_phrasings(adopted, server):
    config = load_config(adopted.data_dir)  # the published label → the city's name of its category
    categories = {label: config.categories[cid] for label, cid in config.sources[0].categories.items()}
    rows = items()
    by_name: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_name.setdefault(row["品目名"], []).append(row)
    sample = random.Random(SEED).sample(sorted(by_name), SAMPLE)
    correct: Counter[str] = Counter()
    misses = []
    for n, name in enumerate(sample):
        for phrasing in PHRASINGS:
            reply = squeeze(ask(server, f"k{n}-{PHRASINGS.index(phrasing)}", phrasing.format(name)))
            ok = any(
                f"「{name}」" in reply
                and f"「{categories[row['出し方（一覧）']]}」" in reply
                and squeeze(row["出し方のポイント"]) in reply
                for row in by_name[name]
            )
            correct[phrasing] += ok
            if not ok:
                misses.append(f"{phrasing.format(name)} → {reply[:80]}")
    rate = sum(correct.values()) / (SAMPLE * len(PHRASINGS))
    print({p: correct[p] / SAMPLE for p in PHRASINGS}, f"overall {rate:.3f}", *misses, sep="\n")
    assert rate >= FLOOR, misses


def test_without_booking_rules_bulky_waste_goes_to_the_office(adopted, server):
    """Kawasaki wrote no bulky.yml, so it takes no bookings in the chat: asking to book gets the bulky office's
    contact, never the booking form (which could price nothing and would loop), and the answer for a bulky item
    offers no booking button."""
    office = load_city(adopted.data_dir)["offices"]["bulky"]
    responses = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))["responses"]
    form_question = responses["utter_ask_bulky_items"][0]["text"]
    for i, text in enumerate(("ソファを粗大ごみで出したい", "粗大ごみを申し込みたい")):
        reply = ask(server, f"no-booking-{i}", text)
        assert office["phone"] in reply and office["name"] in reply, (text, reply)
        assert form_question not in reply
        assert ask(server, f"no-booking-{i}", "ソファー1点").count(form_question) == 0  # no form left running
    answer = messages(server, "no-booking-item", "ソファーは何ごみですか")
    assert "粗大ごみ" in "".join(m.get("text") or "" for m in answer)
    assert office["phone"] in "".join(m.get("text") or "" for m in answer)
    assert not [b for m in answer for b in m.get("buttons") or [] if "bulky_booking" in b.get("payload", "")]


def test_a_collection_day_question_without_a_calendar_points_to_the_citys_page(adopted, server):
    """Kawasaki's data has no collection areas: the citizen is sent to the city's garbage page."""
    reply = ask(server, "days", "普通ごみの日はいつ？")
    assert load_city(adopted.data_dir)["urls"]["garbage"] in reply


def test_a_booking_never_uses_another_citys_fees(adopted, server):
    """Kawasaki has no fee table of its own (no bulky_fees.yml): the demo city's fees are never offered. Booking on,
    with booking rules of its own (here the fixture city's)."""
    rules = adopted.data_dir / "bulky.yml"
    shutil.copyfile(FIXTURE_CITY / "bulky.yml", rules)
    try:
        ask(server, "fees", "粗大ごみの収集を申し込みたい")
        reply = ask(server, "fees", "ソファー1点")
    finally:
        rules.unlink()
    assert "円" not in reply
    office = load_city(adopted.data_dir)["offices"]["bulky"]
    assert office["phone"] in reply  # the city's own office is named for items it has no fee for
