"""The commands every form question understands before reading a message as its answer (services/general/forms.py):
「戻る」 and a quit the NLU may have missed, never mistaken for an answer, and no answer mistaken for them."""

from __future__ import annotations

import pytest

from services.general.forms import is_back, is_quit, quit_buttons


@pytest.mark.parametrize(
    "text",
    [
        *["やめる", "申し込みをやめる", "もうやめます", "中止", "キャンセルします", "最初から", "取り消し"],
        *["もう大丈夫です", "もういいです", "終わり", "終了します", "リセット"],
    ],
)
def test_quitting_is_a_command(text):
    assert is_quit(text) and not is_back(text)


@pytest.mark.parametrize("text", ["戻る", "前に戻って", "ひとつ前", "もどる"])
def test_going_back_is_a_command(text):
    assert is_back(text) and not is_quit(text)


ANSWERS = [
    *["米丸", "ソファ1点", "泉野町3丁目5-1", "山田花子", "090-1234-5678", "12月2日", "/general_cancel", "はい"],
    *["大丈夫です", "終わりの日は12月2日"],
]
QUESTION = "粗大ごみの申し込みをやめるとき、処理券はどうすればいいですか"  # too long for a command


@pytest.mark.parametrize("text", [*ANSWERS, QUESTION])
def test_answers_are_no_commands(text):
    assert not is_quit(text) and not is_back(text)


def test_the_quit_button_comes_from_the_domain():
    domain = {"responses": {"utter_quit_button": [{"text": "x", "buttons": [{"title": "t", "payload": "/p"}]}]}}
    assert quit_buttons(domain) == [{"title": "t", "payload": "/p"}]
    assert quit_buttons({"responses": {}}) == []
