"""Honest out-of-scope (issue 10, point 3): other city services and chit-chat are declined politely with the city's
general contact, never answered with another topic's answer, nor with the sorting of an item the question merely
names (「パスポート」 is in the garbage list)."""

from __future__ import annotations

import pytest

from bot import city
from tests.conftest import PROJECT_DIR


@pytest.fixture(scope="module")
def contact():
    profile = city.load_city(PROJECT_DIR / "data")
    return city.contact(profile)


@pytest.mark.parametrize(
    "text",
    [
        "図書館は何時まで開いてる？",
        "犬の登録をしたい",
        "市営住宅に申し込みたい",
        "パスポートを申請したい",
        "今日の天気は",
        # a lost pet is no dead animal on a road (the garbage office's FAQ): declined (outsider walk)
        "猫が迷子になった",
        "犬がいなくなった",
        "ペットが逃げた",
        "飼っているインコが逃げてしまった",
        # ペット only begins ペットボトル (its other name in garbage_local.yml): a pet's funeral is no bottle
        "ペットの火葬",
        "ペットの埋葬",
    ],
)
def test_other_services_and_chit_chat_are_declined_with_the_city_contact(demo_data, say, engine, contact, text):
    reply = say(text, sender=f"oos-{text}")
    declined = engine.agent.responder.render("utter_out_of_scope", {}, "rest")["text"]
    assert [m["text"] for m in reply] == [declined]
    assert contact["phone"] in declined
