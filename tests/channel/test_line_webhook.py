"""The LINE webhook over real HTTP: signed deliveries in, the real line-bot-sdk client out to a stand-in of the
Messaging API on 127.0.0.1 (tests/support/line_standin.py), the real engine in between."""

from __future__ import annotations

import threading

import requests

from tests.support import line_standin as line
from tests.support.garbage_support import demo_settings
from tests.support.line_standin import deliver
from tests.support.line_support import bot, line_env, test_env, texts

PET_BOTTLE = "ペットボトルは何ごみ？"
KANAZAWA_ASANO = ("〒920-0842 石川県金沢市浅野本町2丁目", 36.574, 136.670)  # inside data/city.yml bounds; area 浅野
TOKYO = ("東京都千代田区丸の内1丁目", 35.681, 139.767)


def test_a_forged_or_missing_signature_gets_400_and_nothing_runs(bot):
    uid = line.user_id()
    event = line.text_event(uid, PET_BOTTLE)
    forged = deliver(bot.url, event, secret="not-the-channel-secret")
    assert forged.status_code == 400
    assert "X-Line-Signature" in forged.json()["error"]
    body = line.body_of(event)
    missing = requests.post(bot.url, data=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert missing.status_code == 400
    tampered = requests.post(
        bot.url,
        data=body.replace(PET_BOTTLE.encode(), "電池は何ごみ？".encode()),
        timeout=10,
        headers={"Content-Type": "application/json", "X-Line-Signature": line.sign(body)},
    )
    assert tampered.status_code == 400
    bot.settle()
    assert bot.api.calls == []
    assert bot.engine.store.turns(uid) == []


def test_garbage_lookup_on_line(bot):
    messages = bot.answer(line.text_event(line.user_id(), PET_BOTTLE))
    assert "ペットボトル" in texts(messages)
    assert "資源" in texts(messages)


def test_a_redelivered_event_is_answered_once(bot):
    uid = line.user_id()
    event = line.text_event(uid, PET_BOTTLE)
    bot.answer(event)
    assert deliver(bot.url, line.redelivered(event)).status_code == 200
    # LINE may also deliver twice at once (a retry racing a slow first attempt)
    twin = line.text_event(uid, "電池は何ごみ？")
    threads = [threading.Thread(target=bot.send, args=(twin,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.settle()
    tokens = [c.body["replyToken"] for c in bot.api.replies]
    assert sorted(tokens) == sorted([event["replyToken"], twin["replyToken"]])
    assert bot.api.pushes == []
    assert len(bot.engine.store.turns(uid)) == 2


def test_follow_greets_with_quick_replies_to_the_main_topics(bot):
    messages = bot.answer(line.follow_event(line.user_id()))
    assert "チャットボット" in texts(messages)
    items = messages[-1]["quickReply"]["items"]
    assert 1 <= len(items) <= 13
    assert all(i["action"]["type"] == "postback" and i["action"]["data"].startswith("/") for i in items)
    topic = items[0]["action"]
    answer = bot.answer(line.postback_event(line.user_id(), topic["data"]))
    assert texts(answer)


def test_unfollow_forgets_the_pending_conversation(bot):
    uid = line.user_id()
    bot.answer(line.text_event(uid, PET_BOTTLE))
    assert bot.engine.store.load(uid, "line")[0] is not None
    bot.send(line.unfollow_event(uid))
    bot.settle()
    assert bot.engine.store.load(uid, "line")[0] is None
    assert bot.api.pushes == []


def test_stickers_and_photos_get_a_polite_request_to_type(bot):
    uid = line.user_id()
    sticker = bot.answer(line.sticker_event(uid))
    photo = bot.answer(line.message_event(uid, {"type": "image", "contentProvider": {"type": "line"}}))
    for messages in (sticker, photo):
        assert "文章で入力してください" in texts(messages)


def test_a_location_in_the_city_sets_the_collection_area(bot):
    uid = line.user_id()
    messages = bot.answer(line.location_event(uid, *KANAZAWA_ASANO))
    assert "「浅野」" in texts(messages) and "燃やすごみ" in texts(messages)
    follow_up = bot.answer(line.text_event(uid, "燃やすごみの日はいつ？"))
    assert "浅野" in texts(follow_up)


def test_a_location_at_the_area_question_answers_it_once(bot):
    uid = line.user_id()
    bot.answer(line.text_event(uid, "ごみの収集日を知りたい"))
    answered = texts(bot.answer(line.location_event(uid, *KANAZAWA_ASANO)))
    assert answered.count("浅野の収集日は次のとおりです") == 1 and "「浅野」" in answered


def test_a_location_outside_the_city_gets_a_polite_answer(bot):
    messages = bot.answer(line.location_event(line.user_id(), *TOKYO))
    assert "外のようです" in texts(messages)


def test_in_a_group_the_bot_answers_only_when_mentioned(bot):
    group_id, member = "C" + line.user_id()[1:], line.user_id()
    chatter = line.text_event(line.group(group_id, member), "今日の飲み会どうする？")
    bot.send(chatter)
    bot.settle()
    assert bot.api.calls == []
    name = "@さくら市"
    asked = line.text_event(
        line.group(group_id, member),
        f"{name} {PET_BOTTLE}",
        mention=[{"index": 0, "length": len(name), "type": "user", "isSelf": True}],
    )
    assert "資源" in texts(bot.answer(asked))
    assert bot.engine.store.turns(member) == []  # the conversation is the group's; no member is stored
    assert [t["user_text"] for t in bot.engine.store.turns(group_id)] == [PET_BOTTLE]
    assert bot.api.loadings == []  # the loading animation exists only in one-to-one chats


def test_an_expired_reply_token_falls_back_to_a_push_with_a_retry_key(bot):
    uid = line.user_id()
    event = line.text_event(uid, PET_BOTTLE)
    bot.api.expired_tokens.add(event["replyToken"])
    bot.send(event)
    bot.settle()
    (push,) = bot.api.pushes
    assert push.body["to"] == uid and "ペットボトル" in texts(push.messages)
    assert push.headers["x-line-retry-key"]


def test_the_loading_animation_shows_while_the_engine_works(bot):
    bot.channel.runner.loading_after = bot.channel.runner.loading_grace = 0.0  # "a while" is now
    uid = line.user_id()
    bot.answer(line.text_event(uid, PET_BOTTLE))
    (loading,), (reply,) = bot.api.loadings, bot.api.replies
    assert loading.body["chatId"] == uid and 5 <= loading.body["loadingSeconds"] <= 60
    assert loading.at <= reply.at  # never a spinner after the answer


def test_messages_of_one_user_are_answered_in_order(bot):
    uid = line.user_id()
    questions = [
        "ペットボトルは何ごみ？",
        "電池は何ごみ？",
        "フライパンは何ごみ？",
        "スプレー缶は何ごみ？",
        "傘は何ごみ？",
    ]
    events = [line.text_event(uid, q) for q in questions]
    for event in events:
        bot.send(event)
    bot.settle()
    assert [c.body["replyToken"] for c in bot.api.replies] == [e["replyToken"] for e in events]
    assert [t["user_text"] for t in bot.engine.store.turns(uid)] == questions


def test_a_5000_character_answer_reaches_line_within_its_limits(bot):
    """The engine's answers are short; a long one (an FAQ a city writes at length) goes through the runner."""
    from connectors.line.events import Turn
    from connectors.line.render import plain, render
    from connectors.line.replies import Answer

    sentence = "粗大ごみは事前の申し込みが必要です。"
    uid = line.user_id()
    exactly = (sentence * 300)[:5000]
    longer = sentence * 700
    for i, text in enumerate((exactly, longer)):
        turn = Turn(line.ulid(), uid, "", f"token-{i}-{uid}", "user")
        bot.channel.runner.deliver(turn, Answer(render([{"text": text}]), plain([{"text": text}])))
    first, second = bot.api.replies
    assert first.texts == [exactly]
    assert len(second.texts) == 3 and "".join(second.texts) == longer
    assert all(len(t) <= 5000 and t.endswith("。") for t in second.texts)


def test_without_a_secret_the_line_route_answers_503_and_the_rest_runs(bot_env, engine):
    from connectors import create_app

    client = create_app(bot_env.with_(line_channel_secret=""), engine=engine).test_client()
    response = client.post("/webhooks/line/webhook", data=line.body_of(), headers={"X-Line-Signature": "x"})
    assert response.status_code == 503
    assert "LINE_CHANNEL_SECRET" in response.get_json()["error"]
    rest = client.post("/webhooks/rest/webhook", json={"sender": "rest-user", "message": PET_BOTTLE})
    assert rest.status_code == 200 and rest.get_json()
