"""Content is data, checked here: the FAQ and NLU data meet the bar set for the five domains."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from bot import city
from bot.domain import Domain
from bot.evaluate import evaluate_nlu
from bot.nlu.folding import fold
from bot.training_data import load_nlu, load_rules
from bot.validate import validate
from services.booking.config import load_config as load_booking_config
from services.booking.fees import FEES_FILE, parse_fee, read_fee_file
from services.faq import index as faq_index
from services.garbage.config import load_config as load_garbage_config
from services.garbage.importers import parse_source
from services.garbage.service import get_service
from tests.conftest import PROJECT_DIR
from tests.support.garbage_support import demo_settings  # the demo city's garbage data, imported

DOMAINS = ["certificates", "childcare", "garbage", "insurance", "taxes"]


@pytest.fixture(scope="module")
def index():
    return faq_index.load(PROJECT_DIR / "data")


@pytest.fixture(scope="module")
def profile():
    return city.load_city(PROJECT_DIR / "data")


def test_at_least_40_entries_per_domain(index):
    counts = Counter(e.domain for e in index.entries.values())
    assert all(counts[d] >= 40 for d in DOMAINS), counts
    assert sum(counts.values()) >= 200


def test_every_answer_is_short_complete_and_ends_with_where_to_ask(index, profile):
    phones = {o["phone"] for o in profile["offices"].values()}
    for entry in index.entries.values():
        answer = faq_index.render_answer(entry, profile)
        assert len(answer) <= 300, (entry.id, len(answer))
        assert entry.keywords and entry.title and entry.reviewed and entry.source.startswith("{urls.")
        assert faq_index.render_source(entry, profile).startswith("https://")
        tail = answer[-60:]
        assert any(p in tail for p in phones), (entry.id, tail)
        assert 2 <= len(entry.related) <= 4 and all(r in index.entries for r in entry.related), entry.id


def payable(amount: int, tickets: set[int]) -> bool:
    """Tickets of these amounts, any number of each, add up to exactly `amount`."""
    reachable = {0}
    for total in range(1, amount + 1):
        if any(total - t in reachable for t in tickets):
            reachable.add(total)
    return amount in reachable


def test_the_faq_tickets_pay_every_bulky_fee_and_its_fee_answer_names_every_way_to_pay(index, profile):
    """The 粗大ごみ処理券 that the FAQ's answers name (「300円券と500円券」) add up to every fee the booking charges
    (data/bulky_fees.yml and the garbage list's bulky items), and the fee answer names every payment method of
    data/bulky.yml: tickets of 「1枚300円」 cannot pay ソファー's 1,000円 (outsider walk)."""
    data = PROJECT_DIR / "data"
    garbage = load_garbage_config(data)
    dictionary = [r for src in garbage.sources for r in parse_source(garbage, src).items.values()]
    fees = {item.fee for item in read_fee_file(data / FEES_FILE)[0]}
    fees |= {fee for r in dictionary if (fee := parse_fee(r["bulky_fee"] or "")) is not None}
    assert {300, 500, 1000, 1500} <= fees
    named = {}
    for entry in index.entries.values():
        answer = faq_index.render_answer(entry, profile)
        prices = re.findall(r"(\d[\d,]*)円券", answer) + re.findall(r"1枚(\d[\d,]*)円", answer)
        if "処理券" in answer and prices:
            named[entry.id] = {int(p.replace(",", "")) for p in prices}
    assert "garbage_bulky_sticker" in named
    for entry_id, tickets in named.items():
        assert [fee for fee in sorted(fees) if not payable(fee, tickets)] == [], (entry_id, tickets)
    booking = load_booking_config(data)
    fee_answer = faq_index.render_answer(index.entries["garbage_bulky_fee"], profile)
    said = {"sticker": "処理券", "online": booking.payment_label("online")}
    assert [m for m in booking.payment_methods if said[m] not in fee_answer] == []


def test_every_name_the_booking_charges_for_is_bulky_waste_in_the_sorting_at_the_same_fee(demo_settings):
    """「電子レンジは粗大ごみですか？」 answered 「燃やさないごみ」 while the booking took 電子レンジ for 500円 (outsider
    walk): every item of data/bulky_fees.yml, looked up by its name in the city's garbage data as imported (the open
    data and data/garbage_local.yml), answers or offers as a choice a `bulky` row at the fee the booking charges; so
    does each of its other names that the sorting knows at all (one it does not know contradicts nothing)."""
    index = get_service(demo_settings.database_url, demo_settings.data_dir).snapshot().index
    table = yaml.safe_load((PROJECT_DIR / "data" / FEES_FILE).read_text(encoding="utf-8"))
    assert table["items"]
    contradicted = []
    for item in table["items"]:
        for name in [item["name"], *(item.get("synonyms") or [])]:
            match = index.lookup(name)
            if match.kind == "none" and name != item["name"]:
                continue
            fees = {parse_fee(e.bulky_fee) for e in match.items if e.category == "bulky"}
            if fees != {item["fee"]}:
                contradicted.append((item["id"], name, [(e.name, e.category, e.bulky_fee) for e in match.items]))
    assert contradicted == [], "\n".join(map(str, contradicted))


def test_nlu_examples_are_plentiful_and_unambiguous(trained_settings):
    data = load_nlu([PROJECT_DIR / "data"])
    counts = Counter(e.intent for e in data.examples)
    assert all(n >= 15 for n in counts.values()), {k: v for k, v in counts.items() if v < 15}
    assert counts["general_out_of_scope"] >= 60
    by_text = {}
    for e in data.examples:
        by_text.setdefault(fold(e.text).strip(), set()).add(e.intent)
    assert not [t for t, i in by_text.items() if len(i) > 1]
    domain = Domain.load(PROJECT_DIR / "domain.yml")
    assert all(
        i.startswith(tuple(d + "_" for d in [*DOMAINS, "general"])) for i in domain.intents if i != "nlu_fallback"
    )


def test_every_faq_intent_is_answered_by_a_rule(index):
    ruled = {s["intent"] for r in load_rules([PROJECT_DIR / "data"]) for s in r.steps if "intent" in s}
    assert set(index.by_intent) <= ruled


def test_data_validate_finds_no_problem(trained_settings):
    assert validate(trained_settings) == []


def test_held_out_accuracy_stays_above_90_percent(trained_settings):
    report = evaluate_nlu(trained_settings, PROJECT_DIR / "tests" / "nlu_test.yml")
    counts = Counter(e.intent for e in load_nlu([PROJECT_DIR / "tests" / "nlu_test.yml"]).examples)
    assert all(n >= 5 for n in counts.values())
    assert report.accuracy >= 0.90, report.confusions
    assert report.out_of_scope_recall >= 0.90


def test_held_out_examples_are_not_training_examples():
    train = {fold(e.text).strip() for e in load_nlu([PROJECT_DIR / "data"]).examples}
    test = [e.text for e in load_nlu([PROJECT_DIR / "tests" / "nlu_test.yml"]).examples]
    assert not [t for t in test if fold(t).strip() in train]
