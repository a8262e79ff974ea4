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


# The outside tester's clock: Sunday 2026-11-29, so 「3日」 is next month's.
TESTER_CLOCK = {"BOT_FIXED_NOW": "2026-11-29T10:00:00+09:00"}


def at_the_date_prompt(say, sender):
    for message in ("粗大ごみの収集を予約したい", "ソファ1点", "浅野1丁目2-3"):
        say(message, sender=sender)


@pytest.mark.parametrize("extra_env", [TESTER_CLOCK])
@pytest.mark.parametrize("answer", ["3日", "3日でお願いします", "3日がいい", "12月3日はどうですか"])
def test_a_day_of_the_month_is_the_next_such_date_whatever_the_nlu_read(say, engine, answer):
    """「3日」 reads as garbage_collection_day: it is still the date prompt's answer, not a collection-day question."""
    at_the_date_prompt(say, "day")
    replies = texts(say(answer, sender="day"))
    assert replies[0] == response_text(engine, "utter_bulky_date_typed", date="12月3日(木)")
    slots = engine.store.load("day")[0]["slots"]
    assert (slots["bulky_date"], slots["requested_slot"]) == ("2026-12-03", "bulky_name")


@pytest.mark.parametrize("extra_env", [TESTER_CLOCK])
@pytest.mark.parametrize("phone", ["090-1111-2222", "0901112222", "03-1234-5678", "０９０－１１１１－２２２２"])
def test_a_phone_number_at_the_date_prompt_is_no_date(say, engine, phone):
    at_the_date_prompt(say, "phone")
    replies = say(phone, sender="phone")
    assert texts(replies)[0] == response_text(engine, "utter_bulky_date_looks_like_phone")
    assert len(replies) == 2 and replies[-1]["buttons"]  # then the date question again
    slots = engine.store.load("phone")[0]["slots"]
    assert (slots["bulky_date"], slots["requested_slot"]) == (None, "bulky_date")


@pytest.mark.parametrize("extra_env", [TESTER_CLOCK])
def test_a_question_of_its_own_with_a_date_is_answered_and_the_date_asked_again(say, engine):
    at_the_date_prompt(say, "question")
    say("12月3日は燃えるごみの日ですか", sender="question")
    turn = engine.store.turns("question")[-1]
    assert [a for a in turn["actions"] if a != "action_listen"] == [
        "action_collection_schedule",
        "bulky_booking_form",
        "action_ask_bulky_date",
    ]
    assert engine.store.load("question")[0]["slots"]["bulky_date"] is None


@pytest.mark.parametrize("extra_env", [TESTER_CLOCK])
def test_moving_a_booking_reads_a_day_of_the_month_and_no_phone_number(say, engine):
    at_the_date_prompt(say, "move")
    for message in (
        '/general_inform{"date": "2026-12-08"}',
        "山田花子",
        "090-1234-5678",
        '/general_inform{"payment_method": "sticker"}',
        "/general_affirm",
        "収集日を変更したい",
    ):
        say(message, sender="move")
    assert texts(say("090-1111-2222", sender="move"))[0] == response_text(engine, "utter_bulky_date_looks_like_phone")
    moved = texts(say("3日", sender="move"))
    assert moved[0] == response_text(engine, "utter_bulky_date_typed", date="12月3日(木)")
    assert "12月8日(火)から12月3日(木)に変更します。よろしいですか" in moved[1]
    assert "2026年12月3日(木)に変更しました" in texts(say("はい", sender="move"))[0]
