"""Every form, as conversations: the Rasa-format test stories of tests/test_form_stories.yml played through the real
engine on the demo city's database (its collection areas from the garbage import, its fixed clock), and the walk of
issue 10 over the REST webhook: unrelated questions in the middle of a booking each get their own answer, and the
booking's question comes back once, never twice."""

from __future__ import annotations

import pytest

from bot.evaluate import play_story
from bot.training_data import load_stories
from tests.conftest import PROJECT_DIR, response_text

STORIES = load_stories([PROJECT_DIR / "tests" / "test_form_stories.yml"])


@pytest.fixture(autouse=True)
def demo_city(demo_data):
    """The demo city's database as `bot setup` leaves it."""


@pytest.mark.parametrize("story", STORIES, ids=[s.name for s in STORIES])
def test_form_story(engine, story):
    result = play_story(engine, story, "story")
    assert result.passed, "\n".join(result.failures)
    for turn in engine.store.turns("story"):  # no question is asked twice in one turn
        questions = [a for a in turn["actions"] if a.startswith(("utter_ask_", "action_ask_"))]
        assert len(questions) <= 1, (turn["text"], turn["actions"])


def texts(replies) -> list[str]:
    return [r.get("text") or "" for r in replies]


def test_unrelated_questions_during_a_booking_are_answered_and_the_question_comes_back_once(say, engine):
    """Issue 10's walk: 国保, 年金, 住民票 … typed at the address prompt each get their answer, then the address
    prompt once; 「住民票の写しはどこで取れますか」 is never looked up in the fee table."""
    ask_address = response_text(engine, "utter_ask_bulky_address")
    say("粗大ごみの収集を申し込みたい", sender="walk")
    assert response_text(engine, "utter_ask_bulky_address") in texts(say("ソファ1点", sender="walk"))
    for question, intent in (
        ("国民健康保険に入りたい", "insurance_nhi_enroll"),
        ("年金の手続き", "insurance_pension"),
        ("住民票の写しはどこで取れますか", "certificates_residence_record"),
    ):
        replies = say(question, sender="walk")
        turn = engine.store.turns("walk")[-1]
        assert (turn["intent"], [a for a in turn["actions"] if a != "action_listen"]) == (
            intent,
            ["action_answer_faq", "bulky_booking_form", "utter_ask_bulky_address"],
        )
        answer, *rest = texts(replies)
        assert rest == [ask_address] and answer != ask_address, (question, texts(replies))
        assert replies[-1]["buttons"][-1] == {"title": "やめる", "payload": "/general_cancel"}
    replies = say("泉野町3丁目5-1", sender="walk")  # the booking goes on where it was
    assert "泉野地区" in "".join(texts(replies))
    assert [b["title"] for b in replies[-1]["buttons"]][-1] == "やめる"  # after the dates, not before them


def test_a_typed_date_is_repeated_back(say, engine):
    for message in ("粗大ごみの収集を申し込みたい", "ソファ1点", "泉野町3丁目5-1"):
        say(message, sender="date")
    replies = say("12月2日", sender="date")
    assert texts(replies)[0] == response_text(engine, "utter_bulky_date_typed", date="12月2日(水)")
    assert engine.store.load("date")[0]["slots"]["bulky_date"] == "2026-12-02"
