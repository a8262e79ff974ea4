"""How a question set reads what a turn showed: every answer of the reply, and the earlier one-answer rule."""

from __future__ import annotations

from bot.question_set import Outcome, Question, answers_of, summarise

ANSWERS = {"乾電池は集積所へ": "garbage_dry_batteries", "処理券は取扱店で": "garbage_bulky_sticker"}


def turn(actions, *texts, intent="garbage_hazardous"):
    return {"intent": intent, "actions": actions, "reply": [{"text": t} for t in texts]}


def test_a_row_followed_by_the_topic_entry_shows_both():
    shown = answers_of(
        turn(
            ["action_answer_faq", "action_garbage_lookup", "action_answer_faq"],
            "「乾電池」は「資源ごみ」です。",
            "乾電池は集積所へ出してください。",
        ),
        ANSWERS,
    )
    assert shown == ("faq:garbage_dry_batteries", "lookup")
    by_entry = Outcome(Question("乾電池の出し方", "garbage_hazardous", faq="garbage_dry_batteries"), "x", shown)
    by_item = Outcome(Question("乾電池の出し方", "garbage_sort_item", item="乾電池"), "x", shown)
    assert by_entry.answer_right and by_entry.single_answer_right
    assert by_item.answer_right and not by_item.single_answer_right  # one answer: the entry, read before the row


def test_a_wrong_entry_is_wrong_and_a_declined_question_shows_only_the_decline():
    wrong = answers_of(turn(["action_answer_faq"], "処理券は取扱店で買えます。"), ANSWERS)
    outcome = Outcome(Question("乾電池の出し方", "garbage_hazardous", faq="garbage_dry_batteries"), "x", wrong)
    assert wrong == ("faq:garbage_bulky_sticker",) and not outcome.answer_right
    declined = answers_of(turn(["action_out_of_scope"], "お答えできません", intent="general_out_of_scope"), ANSWERS)
    oos = Outcome(Question("図書館は何時まで", "general_out_of_scope"), "general_out_of_scope", declined)
    assert declined == ("declined",) and oos.declined and oos.answer_right
    report = summarise([outcome, oos])
    assert report.answer_accuracy == report.single_answer_accuracy == 0.5


def test_a_message_without_words_is_declined_but_only_right_when_out_of_scope():
    unreadable = answers_of(turn(["utter_no_text"], "文字が読み取れませんでした。", intent=None), ANSWERS)
    oos = Outcome(Question("🍣🍣🍣", "general_out_of_scope"), "", unreadable)
    in_scope = Outcome(Question("。。。乾電池", "garbage_hazardous", faq="garbage_dry_batteries"), "", unreadable)
    assert unreadable == ("declined",) and oos.intent_right and oos.answer_right
    assert not in_scope.intent_right and not in_scope.answer_right
