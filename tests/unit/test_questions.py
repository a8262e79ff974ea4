"""Telling several questions in one message apart (bot/questions.py)."""

from __future__ import annotations

import pytest

from bot.questions import split_questions, topic_domain


@pytest.mark.parametrize(
    "text,parts",
    [
        ("国保の保険料はいくら？住民税はいつ払う？", ["国保の保険料はいくら?", "住民税はいつ払う?"]),
        ("住民税を払いたい。あと、国保の手続きを教えて", ["住民税を払いたい。", "国保の手続きを教えて"]),
        ("ソファを捨てたい。それと、住民票もほしいです", ["ソファを捨てたい。", "住民票もほしいです"]),
        ("住民票の取り方と、児童手当の支給日を教えて", ["住民票の取り方", "児童手当の支給日を教えて"]),
        ("住民税の納期と国保の加入方法を教えてください", ["住民税の納期", "国保の加入方法を教えてください"]),
    ],
)
def test_questions_and_requests_are_split_at_sentence_ends(text, parts):
    assert split_questions(text) == parts


@pytest.mark.parametrize(
    "text",
    [
        "住民票はどこで取れますか",  # one question
        "引っ越しました。住民票はどうすれば？",  # a statement gives the question its context
        "こんにちは。住民票はどこで取れますか？",
        "住民票は？いつ？",  # too short to stand alone
        "/general_affirm",
        "一つ？二つ？三つ？四つ？",  # more than three: a story, not a list of questions
        "新しく家を建てた。ごみステーションを作るには？",  # a statement with を asks nothing
        "収入がなくても申告しないと国保の軽減は受けられない？",  # conditional と
        "引っ越したときの手続きは？",  # とき
        "夫と離婚したら児童手当は？",  # too short a topic
    ],
)
def test_anything_else_is_one_message(text):
    assert split_questions(text) == []


@pytest.mark.parametrize(
    "intent,domain",
    [("certificates_moving", "certificates"), ("general_out_of_scope", None), ("nlu_fallback", None)],
)
def test_the_domain_of_a_topic_is_its_prefix(intent, domain):
    assert topic_domain(intent) == domain
