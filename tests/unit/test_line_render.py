"""Bot messages as LINE message objects (line-bot-sdk v3 models), within LINE's documented limits."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.input import parse_payload
from connectors.line.events import postback_text
from connectors.line.render import MAX_TEXT, batches, parse_date_picker_data, render, split_text
from tests.support.line_standin import problems_of


def as_json(messages) -> list[dict]:
    return [m.to_dict() for m in messages]


def buttons(n: int) -> list[dict]:
    return [{"title": f"選択肢{i}", "payload": f'/garbage_sort_item{{"garbage_item": "品目{i}"}}'} for i in range(n)]


def test_buttons_become_quick_replies_with_the_payload_as_postback_data():
    out = as_json(render([{"text": "分野を選んでください。", "buttons": buttons(3)}]))
    assert len(out) == 1 and out[0]["text"] == "分野を選んでください。"
    items = out[0]["quickReply"]["items"]
    assert [i["action"]["type"] for i in items] == ["postback"] * 3
    assert items[0]["action"]["data"] == '/garbage_sort_item{"garbage_item": "品目0"}'
    assert items[0]["action"]["displayText"] == "選択肢0"
    assert not problems_of(out)


def test_long_labels_are_cut_but_the_chat_shows_the_whole_title():
    title = "事業系ごみ・動物の死体・収集できない物などの出し方"  # more than 20 characters
    out = as_json(render([{"text": "候補です。", "buttons": [{"title": title, "payload": "/garbage_special_cases"}]}]))
    action = out[0]["quickReply"]["items"][0]["action"]
    assert len(action["label"]) <= 20 and action["label"].endswith("…")
    assert action["displayText"] == title
    assert not problems_of(out)


def test_more_than_13_buttons_become_postback_buttons_in_a_flex_message():
    out = as_json(render([{"text": "地区を選んでください。", "buttons": buttons(14)}]))
    assert out[0]["text"] == "地区を選んでください。" and "quickReply" not in out[0]
    flex = out[1]
    assert flex["type"] == "flex"
    bubbles = flex["contents"]["contents"]  # a carousel: ten buttons to a bubble
    actions = [c["action"] for b in bubbles for c in b["body"]["contents"]]
    assert len(actions) == 14 and all(a["type"] == "postback" for a in actions)
    assert actions[13]["data"] == '/garbage_sort_item{"garbage_item": "品目13"}'
    assert not problems_of(out)


def test_only_the_last_message_with_buttons_gets_quick_replies():
    out = as_json(
        render([{"text": "最初の質問です。", "buttons": buttons(2)}, {"text": "次の質問です。", "buttons": buttons(3)}])
    )
    assert [m["type"] for m in out] == ["text", "flex", "text"]
    assert len(out[2]["quickReply"]["items"]) == 3
    assert "quickReply" not in out[0]


def test_quick_replies_are_the_last_message_s_own_and_never_an_earlier_one_s():
    answer = {"text": "児童手当の申請方法です。", "buttons": buttons(3)}  # an answer's related topics
    card = {"text": "内容です。", "custom": {"type": "summary", "title": "申込内容", "rows": [["品目", "ソファー"]]}}
    card["custom"]["buttons"] = [{"title": "この内容で申し込む", "payload": "/general_affirm"}]
    out = as_json(render([answer, card]))
    assert [m["type"] for m in out] == ["text", "flex", "flex"]  # the topics as buttons, then the card
    assert not any("quickReply" in m for m in out)
    assert out[2]["contents"]["footer"]["contents"][0]["action"]["data"] == "/general_affirm"

    out = as_json(render([answer, {"text": "お名前を教えてください。"}]))
    assert [m["type"] for m in out] == ["text", "flex", "text"] and "quickReply" not in out[2]
    assert not problems_of(out)


def test_a_5000_character_answer_is_one_message():
    text = ("粗大ごみは事前の申し込みが必要です。" * 400)[:MAX_TEXT]
    out = as_json(render([{"text": text}]))
    assert len(out) == 1 and out[0]["text"] == text
    assert not problems_of(out)


def test_longer_answers_are_split_at_sentence_ends():
    sentence = "粗大ごみは事前の申し込みが必要です。"
    text = sentence * 700  # 12,600 characters
    pieces = split_text(text)
    assert len(pieces) == 3 and all(len(p) <= MAX_TEXT for p in pieces)
    assert all(p.endswith("。") for p in pieces)
    assert "".join(pieces) == text


def test_a_sentence_longer_than_a_message_is_cut_hard():
    text = "あ" * 12_000
    pieces = split_text(text)
    assert [len(p) for p in pieces] == [5000, 5000, 2000]


def test_short_messages_are_joined_to_fit_five_to_a_reply():
    out = as_json(render([{"text": f"{i}番目のお知らせです。"} for i in range(8)]))
    assert len(out) <= 5
    assert "0番目" in out[0]["text"] and "7番目" in out[-1]["text"]


def test_what_does_not_fit_one_reply_goes_in_further_batches():
    long = "お知らせです。" * 700  # 4,900 characters: two never fit one message
    out = render([{"text": long} for _ in range(7)])
    groups = batches(out)
    assert [len(g) for g in groups] == [5, 2]
    assert all(not problems_of(as_json(g)) for g in groups)


def test_summary_is_a_flex_bubble_with_a_primary_confirm_button():
    message = {
        "text": "申込内容：ソファ ×1、11月24日、合計 1,000円。よろしいですか？",
        "custom": {
            "type": "summary",
            "title": "粗大ごみ収集の申込内容",
            "rows": [["品目", "ソファ ×1"], ["収集日", "11月24日（火）"]],
            "total": "合計 1,000円",
            "buttons": [
                {"title": "この内容で申し込む", "payload": "/general_affirm"},
                {"title": "やめる", "payload": "/general_cancel"},
            ],
        },
    }
    out = as_json(render([message]))
    assert len(out) == 1 and out[0]["type"] == "flex"
    assert out[0]["altText"] == message["text"]
    bubble = out[0]["contents"]
    assert bubble["header"]["contents"][0]["text"] == "粗大ごみ収集の申込内容"
    flat = json.dumps(bubble["body"], ensure_ascii=False)
    assert "ソファ ×1" in flat and "合計 1,000円" in flat
    confirm, cancel = bubble["footer"]["contents"]
    assert confirm["style"] == "primary" and confirm["action"]["data"] == "/general_affirm"
    assert cancel["action"]["data"] == "/general_cancel"


def test_date_picker_round_trip_gives_the_intent_and_entity_back():
    message = {
        "text": "収集日を選んでください。",
        "buttons": [{"title": "11月24日（火）", "payload": '/x{"date": "2026-11-24"}'}],
        "custom": {
            "type": "date_picker",
            "intent": "bulky_pick_date",
            "entity": "pickup_date",
            "min": "2026-11-24",
            "max": "2026-12-25",
        },
    }
    out = as_json(render([message], picker_label="カレンダーから選ぶ"))
    picker = out[0]["quickReply"]["items"][0]["action"]
    assert picker["type"] == "datetimepicker" and picker["mode"] == "date" and picker["label"] == "カレンダーから選ぶ"
    assert (picker["min"], picker["max"], picker["initial"]) == ("2026-11-24", "2026-12-25", "2026-11-24")
    assert parse_date_picker_data(picker["data"]) == ("bulky_pick_date", "pickup_date")
    text = postback_text(picker["data"], {"date": "2026-12-01"})
    parsed = parse_payload(text, {"bulky_pick_date"})
    assert parsed["intent"]["name"] == "bulky_pick_date"
    assert parsed["entities"][0]["entity"] == "pickup_date" and parsed["entities"][0]["value"] == "2026-12-01"


def test_payloads_longer_than_postback_data_allows_send_the_title():
    out = as_json(
        render([{"text": "選んでください。", "buttons": [{"title": "長い選択肢", "payload": "/x" + "y" * 400}]}])
    )
    action = out[0]["quickReply"]["items"][0]["action"]
    assert action["type"] == "message" and action["text"] == "長い選択肢"


def test_the_booking_status_card_sends_no_empty_text():
    """The status card's last row has no label (["", status]): LINE refuses a Flex text component whose text is "",
    and with it the whole reply to 「予約を確認したい」."""
    message = {
        "text": "受付番号 SD-ABCD-EFGH のご予約（予約済み）",
        "custom": {
            "type": "summary",
            "title": "粗大ごみ収集のご予約 SD-ABCD-EFGH",
            "rows": [["品目", "ソファ ×1"], ["住所", "泉野町3丁目5-1"], ["", "予約済み"], ["", ""], ["支払方法", " "]],
            "total": "合計 1,000円",
        },
        "buttons": [{"title": "予約を取り消す", "payload": '/garbage_booking_manage{"manage_action": "cancel"}'}],
    }
    out = as_json(render([message]))
    assert not problems_of(out)
    body = out[0]["contents"]["body"]["contents"]
    assert {"type": "text", "text": "予約済み", "size": "sm", "wrap": True} in body  # the lone cell spans the card
    assert "支払方法" in json.dumps(body, ensure_ascii=False)  # a row keeps the cell it has
    assert '"text": ""' not in json.dumps(out)


def test_blank_texts_and_buttons_are_dropped_and_a_blank_card_becomes_its_text():
    out = as_json(
        render(
            [
                {"text": "内容です。", "custom": {"type": "summary", "title": " ", "rows": [["", ""]], "total": ""}},
                {"text": "  \n", "buttons": [{"title": "", "payload": ""}, {"title": " ", "payload": "/x"}]},
            ]
        )
    )
    assert not problems_of(out)
    (card,) = out
    assert card["type"] == "flex" and card["altText"] == "内容です。"
    assert card["contents"]["body"]["contents"][0]["text"] == "内容です。"  # the card's body is its text
    actions = [i["action"] for i in card["quickReply"]["items"]]
    assert [a["data"] for a in actions] == ["/x"]  # the button with nothing at all is gone


def test_a_card_over_lines_size_limit_is_sent_as_text():
    address = "泉野町" * 3000  # 9,000 characters: far over a bubble's 30 KB once escaped
    message = {
        "text": f"住所：{address}",
        "custom": {"type": "summary", "title": "申込内容", "rows": [["住所", address]]},
    }
    out = as_json(render([message]))
    assert not problems_of(out)
    assert [m["type"] for m in out] == ["text", "text"] and "".join(m["text"] for m in out) == f"住所：{address}"


def test_many_long_buttons_are_packed_within_lines_flex_limits():
    long_buttons = [
        {"title": f"とても長い選択肢の名前{i}" + "あ" * 40, "payload": f'/x{{"v": "{i}{"い" * 280}"}}'[:300]}
        for i in range(130)
    ]
    out = as_json(render([{"text": "選んでください。", "buttons": long_buttons}]))
    assert all(not problems_of(batch) for batch in (out[i : i + 5] for i in range(0, len(out), 5)))
    flex = [m for m in out if m["type"] == "flex"]
    assert len(flex) > 1  # 130 buttons need more than one carousel
    buttons = [c for m in flex for b in m["contents"].get("contents", [m["contents"]]) for c in b["body"]["contents"]]
    assert len(buttons) == 130 and all(len(b["action"]["label"]) <= 40 for b in buttons)


def test_a_date_picker_line_would_refuse_is_left_out_and_the_dates_stay():
    for custom in (
        {"min": "2026-11-24", "max": "2026-11-24"},  # LINE: max must be greater than min
        {"min": "2026-13-01", "max": "2026-12-25"},
        {"min": "2026-11-24", "max": "2026-12-25", "entity": "bad entity"},
        {"min": "2026-11-24", "max": "2026-12-25", "label": " "},  # LINE: a label is required
    ):
        message = {
            "text": "収集日を選んでください。",
            "buttons": [{"title": "11月24日（火）", "payload": '/x{"date": "2026-11-24"}'}],
            "custom": {"type": "date_picker", "intent": "bulky_pick_date", "entity": "pickup_date", **custom},
        }
        out = as_json(render([message]))
        assert not problems_of(out)
        assert [i["action"]["type"] for i in out[0]["quickReply"]["items"]] == ["postback"]


_cell = st.one_of(st.sampled_from(["", " ", "\n", "予約済み", "合計 1,000円"]), st.text(max_size=60))
_long = st.builds(lambda piece, n: piece * n, st.sampled_from(["あ", "粗大ごみ。", " ", "a\n"]), st.integers(0, 3000))
_button = st.fixed_dictionaries(
    {
        "title": _cell,
        "payload": st.one_of(st.text(max_size=40), st.builds(lambda n: "/x" + "y" * n, st.integers(0, 400))),
    }
)
_custom = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("summary"),
            "title": _cell,
            "rows": st.lists(st.lists(_cell, max_size=3), max_size=8),
            "total": _cell,
        },
        optional={"buttons": st.lists(_button, max_size=5)},
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("date_picker"),
            "intent": st.sampled_from(["general_inform", "", "a b"]),
            "entity": st.sampled_from(["date", "pickup_date", ""]),
            "min": st.one_of(st.dates().map(str), st.text(max_size=10)),
            "max": st.one_of(st.dates().map(str), st.text(max_size=10)),
        }
    ),
)
_message = st.fixed_dictionaries(
    {"text": st.one_of(_cell, _long)},
    optional={"buttons": st.lists(_button, max_size=30), "custom": _custom},
)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_message, max_size=8))
def test_whatever_the_bot_says_line_takes_every_request(messages):
    """Any mix of texts (blank, long), buttons (blank, long titles and payloads), cards and date pickers renders to
    requests LINE takes: at most five messages each, nothing empty, every limit kept."""
    for batch in batches(render(messages, picker_label="カレンダーから選ぶ")):
        assert 1 <= len(batch) <= 5
        assert problems_of(as_json(batch)) == []
