"""`bot data validate` flags examples of two intents that say nearly the same thing (issue 10, point 5)."""

from __future__ import annotations

from bot.training_data import Example
from bot.validate import near_duplicates

# Other examples, as in real training data: the idf of a two-text corpus would weigh every shared n-gram as nothing.
OTHERS = [
    Example(text, "general_out_of_scope")
    for text in (
        "明日の天気は",
        "おすすめのラーメン屋",
        "図書館は何時まで",
        "犬の登録",
        "バスの時刻表",
        "市営住宅の申し込み",
    )
]


def test_a_near_repeat_in_another_intent_is_flagged():
    a = Example("住民税の払い方を教えてください", "taxes_resident_tax", source="a.yml", line=3)
    b = Example("住民税の払い方を教えてください。", "taxes_payment_methods", source="b.yml", line=9)
    assert near_duplicates([a, b, *OTHERS]) == [(a, b)]


def test_near_repeats_within_one_intent_and_contrasting_pairs_are_not():
    same_intent = [
        Example("住民税の払い方を教えてください", "taxes_resident_tax"),
        Example("住民税の払い方を教えてください。", "taxes_resident_tax"),
    ]
    contrast = [
        Example("児童手当はいくらもらえますか", "childcare_child_allowance"),
        Example("児童扶養手当はいくらもらえますか", "childcare_single_parent"),
    ]
    assert near_duplicates(same_intent + OTHERS) == []
    assert near_duplicates(contrast + OTHERS) == []


def test_exact_repeats_are_left_to_the_duplicate_check():
    a, b = Example("ごみの日", "garbage_collection_day"), Example("ゴミの日", "garbage_sorting_rules")
    assert near_duplicates([a, b, *OTHERS]) == []
