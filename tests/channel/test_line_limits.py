"""Everything the bot can say on LINE, sent through the real line-bot-sdk client to the stand-in, which refuses what
the Messaging API refuses (tests/support/line_standin.py): 0 refusals. And how the bot answers when LINE refuses
anyway: a malformed reply is never pushed as it is, a rate-limited reply is retried, then pushed."""

from __future__ import annotations

import json
import logging
import re

import pytest
from linebot.v3.messaging import (
    ApiException,
    FlexBox,
    FlexBubble,
    FlexMessage,
    FlexText,
    MessagingApi,
    PushMessageRequest,
    TextMessage,
)

from bot.city import load_city
from bot.dialogue.responses import fill, template_vars
from bot.domain import Domain
from bot.messages import render as say_response
from connectors.line import replies
from connectors.line.events import Turn
from connectors.line.push import LineConfig
from connectors.line.render import batches, render
from connectors.line.replies import Answer
from services.faq import index as faq_index
from tests.support import line_standin as line
from tests.support.garbage_support import demo_settings
from tests.support.line_support import bot, line_env, test_env, texts

REPLY = "/v2/bot/message/reply"
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Values as the actions fill them (services/*/actions), at their realistic longest.
REALISTIC = {
    "address": "石川県金沢市泉野町3丁目5-1 さくらハイツ201号室",
    "area": "泉野",
    "category": "燃やすごみ",
    "collection": "燃やすごみ",
    "date": "2026年12月2日(水)",
    "day": "31",
    "days": "毎週月曜日・木曜日（祝日も収集します）",
    "deadline": "11月30日（月）17時",
    "earliest": "11月24日（火）",
    "examples": "泉野、野町、浅野、浅野川",
    "fee": "1,000円",
    "fees": "ソファー（1人掛け）：1,000円\nたんす（高さ90cm以上）：1,500円\n自転車：500円",
    "field": "収集日",
    "holiday": "勤労感謝の日",
    "how_to": "処理券に受付番号を書いて、品目の見やすいところに貼ってください。",
    "item": "スプレー缶（カセットボンベ）",
    "items": "ソファー ×1、たんす ×2、自転車 ×1",
    "latest": "2026年12月25日(金)",
    "manage_booking": "SD-ABCD-EFGH",
    "max": "10",
    "max_chars": "1000",
    "minutes": "30",
    "month": "2",
    "next_date": "11月23日（月）",
    "notes": "中身を使い切り、穴を開けずに出してください。",
    "number": "SD-ABCD-EFGH",
    "payment": "オンライン決済：未払い",
    "pieces": "12",
    "put_out_by": "収集日の朝8時30分まで",
    "quantity": "30",
    "query": "カセットボンベ",
    "remarks": "年末年始（12月31日〜1月3日）は収集がありません。",
    "shops": "市内のコンビニエンスストアとスーパー",
    "source": "https://www.city.sakura.example.jp/kurashi/gomi/sodaigomi/index.html",
    "status": "予約済み",
    "summary": "【粗大ごみ収集の申込内容】\n品目：ソファー ×1（1,000円）、たんす ×2（3,000円）\n住所：泉野町3丁目5-1（泉野）\n"
    "収集日：2026年12月2日(水)\nお名前：山田太郎\n電話番号：090-1234-5678\nお支払い方法：処理券\n合計 4,000円",
    "total": "4,000円",
    "typed": "いずみのまち",
    "url": "https://bot.example.jp/pay/sandbox/9f8e7d6c5b4a3210fedcba9876543210",
}


def longest_faq_answer(settings) -> str:
    index, profile = faq_index.load(settings.data_dir), load_city(settings.data_dir)
    return max((faq_index.render_answer(e, profile) for e in index.entries.values()), key=len)


def domain_messages(settings) -> list[tuple[str, dict]]:
    """Every variation of every response in domain.yml, filled as the engine fills it."""
    profile = load_city(settings.data_dir)
    values = {**template_vars(profile), **REALISTIC, "answer": longest_faq_answer(settings)}
    out = []
    for name, variations in Domain.load(settings.domain_file).responses.items():
        for variation in variations:
            used = set(_VARIABLE.findall(json.dumps(variation, ensure_ascii=False)))
            filled = {**dict.fromkeys(used, "サンプル"), **values}  # a variable added later still gets a value
            message = {"text": fill(variation.get("text") or "", filled, profile)}
            if variation.get("buttons"):
                message["buttons"] = [
                    {"title": fill(b["title"], filled, profile), "payload": b["payload"]} for b in variation["buttons"]
                ]
            if variation.get("custom"):
                message["custom"] = variation["custom"]
            out.append((name, message))
    return out


def test_every_response_in_the_domain_is_a_message_line_takes(line_env, demo_settings):
    settings = demo_settings
    messages = domain_messages(settings)
    assert len(messages) >= 130
    with LineConfig(access_token=line.ACCESS_TOKEN, api_base_url=line_env.url).api_client() as client:
        api = MessagingApi(client)
        for name, message in messages:
            for batch in batches(render([message])):
                try:
                    api.push_message(PushMessageRequest(to=line.user_id(), messages=batch), _request_timeout=10)
                except ApiException as exc:
                    pytest.fail(f"LINE refuses {name}: {exc.body!r}")
    assert line_env.refused() == []
    assert len(line_env.pushes) >= len(messages)
    assert "{" not in "".join(t for c in line_env.pushes for t in c.texts)  # every variable was filled


def test_the_bots_buttons_and_candidates_on_line_are_messages_line_takes(bot):
    """Conversations whose answers carry the actions' own buttons: the topics, the garbage item and area
    candidates, the fallback's candidates (the booking's date picker and cards: test_line_booking.py). The `bot`
    fixture also fails the test on any request the stand-in refused."""
    conversations = (["こんにちは"], ["電池"], ["燃やすごみの日はいつ？", "野"], ["手続き"])
    for conversation in conversations:
        uid = line.user_id()
        for said in conversation:
            answer = bot.answer(line.text_event(uid, said))
        assert answer[-1]["quickReply"]["items"], conversation
    assert bot.api.refused() == []


def broken_card() -> FlexMessage:
    """The status card as the renderer once built it: a text component with "text": ""."""
    body = FlexBox(layout="vertical", contents=[FlexText(text="予約済み"), FlexText(text="")])
    return FlexMessage(altText="受付番号 SD-ABCD-EFGH のご予約", contents=FlexBubble(body=body))


def test_a_reply_line_refuses_as_malformed_is_not_pushed_and_its_plain_text_answers(bot, caplog):
    uid = line.user_id()
    turn = Turn(line.ulid(), uid, "予約を確認したい", "token-" + uid, "user")
    answer = Answer([broken_card()], [TextMessage(text="受付番号 SD-ABCD-EFGH のご予約（予約済み）")])
    with caplog.at_level(logging.INFO, logger="connectors.line"):
        bot.channel.runner.deliver(turn, answer)
    refused, replied = bot.api.recorded(REPLY, status=None)
    assert refused.status == 400 and refused.problems == [
        {"message": "must be non-empty text", "property": "messages[0].contents.body.contents[1].text"}
    ]
    assert replied.status == 200 and replied.texts == ["受付番号 SD-ABCD-EFGH のご予約（予約済み）"]
    assert bot.api.pushes == []  # the broken message was not pushed as well
    assert "must be non-empty text" in caplog.text and "messages[0].contents.body.contents[1].text" in caplog.text
    assert uid not in caplog.text and "予約" not in caplog.text  # neither who nor what
    bot.api.calls.clear()  # the refusal above was the point of this test


@pytest.mark.parametrize("refusals", [2, 3])
def test_a_rate_limited_reply_is_retried_then_pushed(bot, monkeypatch, refusals):
    monkeypatch.setattr(replies, "REPLY_RETRY_DELAY", 0.01)
    bot.api.failures[REPLY] = [429] * refusals
    uid = line.user_id()
    event = line.text_event(uid, "ペットボトルは何ごみ？")
    bot.send(event)
    bot.settle()
    statuses = [c.status for c in bot.api.recorded(REPLY, status=None)]
    if refusals < replies.REPLY_ATTEMPTS:  # LINE took a later try
        assert statuses == [429] * refusals + [200] and bot.api.pushes == []
    else:  # LINE kept refusing: the answer goes by push, with a retry key
        (push,) = bot.api.pushes
        assert statuses == [429] * refusals and push.body["to"] == uid and "ペットボトル" in texts(push.messages)
        assert push.headers["x-line-retry-key"]


def test_joining_a_group_says_to_mention_the_bot_and_stores_no_turn(bot):
    group_id = "C" + line.user_id()[1:]
    join = {**line.follow_event(line.user_id()), "type": "join", "source": line.group(group_id)}
    join.pop("follow")
    (greeting,) = bot.answer(join)
    assert greeting["text"] == say_response(bot.engine.settings, "utter_line_group_greeting", "line")
    assert "メンション" in greeting["text"] and "1対1" in greeting["text"]
    assert bot.engine.store.turns(group_id) == []


def test_in_a_group_the_booking_is_refused_because_line_says_it_is_a_group(bot):
    """The connector tells the engine the chat type (metadata chat_type); the booking feature refuses there."""
    group_id, member = "C" + line.user_id()[1:], line.user_id()
    name = "@さくら市"
    mention = [{"index": 0, "length": len(name), "type": "user", "isSelf": True}]
    refusal = say_response(bot.engine.settings, "utter_bulky_private_chat_only", "line")
    for asked in ("粗大ごみを出したい", "予約を確認したい"):
        answer = bot.answer(line.text_event(line.group(group_id, member), f"{name} {asked}", mention=mention))
        assert refusal in texts(answer)
    (turn, _) = bot.engine.store.turns(group_id)
    assert turn["channel"] == "line"


def test_a_signed_body_nested_too_deep_gets_400_not_500(bot):
    for body in (
        b'{"destination": "x", "events": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        b'{"destination": "x", "events": 5}',
        b'{"destination": "x", "events": [{}]}',
        b"[1, 2]",
    ):
        response = line.deliver_body(bot.url, body)
        assert response.status_code == 400, body[:40]
        assert "LINE webhook payload" in response.json()["error"]
    bot.settle()
    assert bot.api.calls == []
