"""Issue 10, point 7: the FAQ facts that were wrong, short sentences and jargon explained where it is used."""

from __future__ import annotations

import re

import pytest

from bot import city
from services.faq import index as faq_index
from tests.conftest import PROJECT_DIR

MAX_SENTENCE = 60  # characters of a sentence as the citizen reads it (placeholders filled in)
# Jargon, and plain words one of which must come with it wherever an answer uses it.
JARGON = {
    "認定請求": re.compile("受け取るための申請"),
    "第1号被保険者": re.compile("自分で(国民年金の)?保険料を納め|65歳以上の方"),
    "普通徴収": re.compile("自分で納め|給与から(差し)?引かれない|納付書で納め"),
}


@pytest.fixture(scope="module")
def answers():
    """The answers of the four domains whose wording this test checks (the garbage FAQ has its own owner)."""
    index = faq_index.load(PROJECT_DIR / "data")
    profile = city.load_city(PROJECT_DIR / "data")
    return {e.id: faq_index.render_answer(e, profile) for e in index.entries.values() if e.domain != "garbage"}


def sentences(text: str) -> list[str]:
    """The answer's sentences; its closing お問い合わせ line (office, phone, hours) is a label, not one."""
    return [s for s in re.split(r"(?<=。)", text) if s.strip() and not s.strip().startswith("お問い合わせ")]


@pytest.mark.parametrize(
    "entry,facts",
    [
        ("cert_moving_mynumber_card", ["14日以内", "30日以内", "転入届の日から90日以内", "継続利用の手続き"]),
        ("tax_resident_collection_types", ["4月1日に65歳以上", "年18万円以上", "介護保険料がその年金から差し引かれて"]),
        ("cert_after_death", ["資格確認書・資格情報のお知らせ"]),
        ("cert_juminhyo_window", ["委任状"]),
        ("ins_nhi_premium_calc", ["子ども・子育て支援金", "18歳年度末"]),
    ],
)
def test_the_corrected_facts_are_stated(answers, entry, facts):
    assert all(fact in answers[entry] for fact in facts), answers[entry]
    assert "健康保険証" not in answers["cert_after_death"]


def test_every_sentence_is_short(answers):
    long = [(e, s) for e, a in answers.items() for s in sentences(a) if len(s) > MAX_SENTENCE]
    assert not long


def test_jargon_is_explained_where_it_is_used(answers):
    unexplained = [
        (e, word) for e, a in answers.items() for word, plain in JARGON.items() if word in a and not plain.search(a)
    ]
    assert not unexplained
