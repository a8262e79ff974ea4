"""The LINE stand-in refuses what the Messaging API refuses (LINE's documented limits), with LINE's details: a test
that passes against it passes against LINE."""

from __future__ import annotations

import pytest

from tests.support.line_standin import problems_of, request_problems

USER = "U" + "0" * 32


def text(value: str = "こんにちは", **extra) -> dict:
    return {"type": "text", "text": value, **extra}


def postback(label: str = "はい", data: str = "/general_affirm", **extra) -> dict:
    return {"type": "postback", "label": label, "data": data, **extra}


def quick(*actions: dict) -> dict:
    return {"items": [{"type": "action", "action": a} for a in actions]}


def flex(contents: dict, alt: str = "お知らせ") -> dict:
    return {"type": "flex", "altText": alt, "contents": contents}


def bubble(*components: dict) -> dict:
    return {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": list(components)}}


def flex_text(value: str) -> dict:
    return {"type": "text", "text": value}


def nested(depth: int) -> dict:
    box: dict = {"type": "box", "layout": "vertical", "contents": [flex_text("底")]}
    for _ in range(depth - 1):
        box = {"type": "box", "layout": "vertical", "contents": [box]}
    return {"type": "bubble", "body": box}


REFUSED = {
    "no messages": ([], "messages"),
    "six messages": ([text()] * 6, "messages"),
    "empty text": ([text("")], "messages[0].text"),
    "5001 characters": ([text("あ" * 5001)], "messages[0].text"),
    "14 quick replies": ([text(quickReply=quick(*[postback()] * 14))], "messages[0].quickReply.items"),
    "21-character quick reply label": (
        [text(quickReply=quick(postback("あ" * 21)))],
        "messages[0].quickReply.items[0].action.label",
    ),
    "quick reply without a label": (
        [text(quickReply=quick(postback("")))],
        "messages[0].quickReply.items[0].action.label",
    ),
    "301-character postback data": (
        [text(quickReply=quick(postback(data="x" * 301)))],
        "messages[0].quickReply.items[0].action.data",
    ),
    "301-character message action text": (
        [text(quickReply=quick({"type": "message", "label": "a", "text": "あ" * 301}))],
        "messages[0].quickReply.items[0].action.text",
    ),
    "http URI": (
        [text(quickReply=quick({"type": "uri", "label": "a", "uri": "http://city.example.jp/"}))],
        "messages[0].quickReply.items[0].action.uri",
    ),
    "1001-character URI": (
        [text(quickReply=quick({"type": "uri", "label": "a", "uri": "https://a.example/" + "x" * 990}))],
        "messages[0].quickReply.items[0].action.uri",
    ),
    "date picker max not after min": (
        [
            text(
                quickReply=quick(
                    {
                        "type": "datetimepicker",
                        "label": "日付",
                        "data": "d",
                        "mode": "date",
                        "min": "2026-11-24",
                        "max": "2026-11-24",
                    }
                )
            )
        ],
        "messages[0].quickReply.items[0].action.max",
    ),
    "empty Flex text": (
        [flex(bubble(flex_text("予約済み"), flex_text("")))],
        "messages[0].contents.body.contents[1].text",
    ),
    "41-character Flex button label": (
        [flex(bubble({"type": "button", "action": postback("あ" * 41)}))],
        "messages[0].contents.body.contents[0].action.label",
    ),
    "empty altText": ([flex(bubble(flex_text("a")), alt="")], "messages[0].altText"),
    "1501-character altText": ([flex(bubble(flex_text("a")), alt="あ" * 1501)], "messages[0].altText"),
    "bubble over 30 KB": ([flex(bubble(*[flex_text("あ" * 1000)] * 6))], "messages[0].contents"),
    "13 bubbles": (
        [flex({"type": "carousel", "contents": [bubble(flex_text("a"))] * 13})],
        "messages[0].contents.contents",
    ),
    "carousel over 50 KB": (
        [flex({"type": "carousel", "contents": [bubble(*[flex_text("あ" * 1000)] * 4)] * 3})],
        "messages[0].contents",
    ),
    "boxes nested too deep": ([flex(nested(12))], "messages[0].contents.body" + ".contents[0]" * 10),
    "sticker without ids": ([{"type": "sticker"}], "messages[0].packageId"),
    "image over http": (
        [
            {
                "type": "image",
                "originalContentUrl": "http://a.example/a.jpg",
                "previewImageUrl": "https://a.example/p.jpg",
            }
        ],
        "messages[0].originalContentUrl",
    ),
    "unknown message type": ([{"type": "html", "text": "<b>"}], "messages[0].type"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_the_stand_in_refuses_what_line_refuses(name):
    messages, prop = REFUSED[name]
    assert prop in [d["property"] for d in problems_of(messages)], problems_of(messages)


def test_the_stand_in_takes_what_line_takes():
    at_the_limits = [
        text("あ" * 5000, quickReply=quick(*[postback("あ" * 20, "x" * 300)] * 13)),
        flex(bubble(flex_text("予約済み"), {"type": "button", "action": postback("あ" * 40)}), alt="あ" * 1500),
        flex({"type": "carousel", "contents": [bubble(flex_text("a"))] * 12}),
        {"type": "sticker", "packageId": "446", "stickerId": "1988"},
        text(quickReply=quick({"type": "uri", "label": "電話", "uri": "tel:0991000000"})),
    ]
    assert problems_of(at_the_limits) == []


def test_request_level_refusals():
    body = {"to": USER, "messages": [text()]}
    push = "/v2/bot/message/push"
    assert request_problems(push, body, {"x-line-retry-key": "reminder-1"})[0] == (
        "The value for the 'X-Line-Retry-Key' header is invalid"
    )
    assert request_problems(push, {**body, "to": "not-a-user"}, {})[0] == (
        "The property, 'to', in the request body is invalid"
    )
    message, details = request_problems("/v2/bot/message/reply", {"messages": [text("")]}, {})
    assert message == "The request body has 2 error(s)"
    assert {d["property"] for d in details} == {"replyToken", "messages[0].text"}
    assert request_problems(push, body, {"x-line-retry-key": "123e4567-e89b-12d3-a456-426655440000"}) == ("", [])
