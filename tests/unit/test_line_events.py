"""LINE webhook events (parsed by line-bot-sdk from LINE's documented JSON) as channel-neutral turns."""

from __future__ import annotations

import json

from linebot.v3.webhooks import Event

from connectors.line.events import GREET, GROUP_GREETING, UNSUPPORTED_MEDIA, turn_for
from connectors.line.render import date_picker_data
from tests.support import line_standin as line

UID = "U" + "1" * 32
GROUP = "C" + "2" * 32


def turn(event: dict):
    return turn_for(Event.from_dict(event))


def test_text_in_a_one_to_one_chat_goes_to_the_engine_as_typed():
    t = turn(line.text_event(UID, "  住民票がほしい "))
    assert (t.chat_id, t.text, t.chat_type, t.one_to_one) == (UID, "  住民票がほしい ", "user", True)
    assert t.reply_token


def test_postbacks_carry_the_button_payload_and_the_picked_date():
    assert turn(line.postback_event(UID, "/general_affirm")).text == "/general_affirm"
    picked = turn(
        line.postback_event(UID, date_picker_data("bulky_pick_date", "pickup_date"), params={"date": "2026-12-01"})
    )
    assert picked.text == '/bulky_pick_date{"pickup_date": "2026-12-01"}'


def test_follow_greets_and_unfollow_forgets():
    assert turn(line.follow_event(UID)).text == GREET
    gone = turn(line.unfollow_event(UID))
    assert gone.text is None and gone.chat_id == UID and gone.reply_token is None


def test_media_get_the_unsupported_intent_and_a_location_its_rounded_coordinates():
    assert turn(line.sticker_event(UID)).text == UNSUPPORTED_MEDIA
    audio = line.message_event(UID, {"type": "audio", "duration": 6000, "contentProvider": {"type": "line"}})
    assert turn(audio).text == UNSUPPORTED_MEDIA
    loc = turn(line.location_event(UID, "石川県金沢市浅野本町2丁目", 36.574123, 136.670456))
    intent, entities = loc.text.split("{", 1)
    assert intent == "/general_location"
    assert json.loads("{" + entities) == {
        "location_address": "石川県金沢市浅野本町2丁目",
        "latitude": 36.574,
        "longitude": 136.67,
    }


def test_in_groups_only_mentions_of_the_bot_and_its_buttons_count():
    source = line.group(GROUP, UID)
    assert turn(line.text_event(source, "こんにちは")) is None
    someone = [{"index": 0, "length": 3, "type": "user", "userId": "U" + "9" * 32}]
    assert turn(line.text_event(source, "@太郎 元気？", mention=someone)) is None
    me = [{"index": 5, "length": 5, "type": "user", "isSelf": True}]
    asked = turn(line.text_event(source, "電池は何 @さくら市 ごみ？", mention=me))
    assert (asked.chat_id, asked.text, asked.one_to_one) == (GROUP, "電池は何  ごみ？", False)
    bare = turn(
        line.text_event(source, "@さくら市", mention=[{"index": 0, "length": 5, "type": "user", "isSelf": True}])
    )
    assert bare.text == GREET
    assert turn(line.sticker_event(source)) is None
    assert turn(line.postback_event(source, "/general_affirm")).chat_id == GROUP
    room = {"type": "room", "roomId": "R" + "3" * 32, "userId": UID}
    in_room = turn(line.text_event(room, "@さくら市 電池は？", mention=[{**me[0], "index": 0}]))
    assert (in_room.chat_id, in_room.text, in_room.chat_type) == ("R" + "3" * 32, "電池は？", "room")


def test_joining_a_group_says_how_to_ask_there_and_leaving_forgets_the_group():
    join = {**line.follow_event(UID), "type": "join", "source": line.group(GROUP)}
    join.pop("follow")
    joined = turn(join)
    assert (joined.response, joined.text, joined.chat_id, joined.chat_type) == (GROUP_GREETING, None, GROUP, "group")
    assert joined.reply_token
    leave = {**line.unfollow_event(UID), "type": "leave", "source": line.group(GROUP)}
    assert turn(leave).text is None and turn(leave).chat_id == GROUP


def test_events_in_standby_mode_and_other_event_types_are_left_alone():
    assert turn({**line.text_event(UID, "こんにちは"), "mode": "standby"}) is None
    unsend = {**line.unfollow_event(UID), "type": "unsend", "unsend": {"messageId": "1"}}
    assert turn(unsend) is None
