"""LINE webhook events as channel-neutral turns: what to tell the engine, for which chat, how to answer.

Nothing here knows NLU. Buttons, follows, locations and media become `/intent{...}` payloads that domain.yml
declares; everything a citizen types goes to the engine as it is.

Groups and rooms: the bot answers only when mentioned (and to its own buttons), the conversation belongs to the
group or room, and no member's user id reaches the engine, so nothing personal about other members is stored.
The engine is told the chat type (`chat_type` in the message metadata: user, group or room), so features that ask
for personal data can refuse outside a one-to-one chat. Joining a group or room, the bot says how to ask it there
(`GROUP_GREETING`, a domain.yml response).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    EventMode,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
    VideoMessageContent,
)

from bot.payload import encode_payload

from .render import parse_date_picker_data

# Intents in domain.yml that the channel sends as button-style payloads.
GREET = "/general_greet"
# The response the bot says on joining a group or room (in domain.yml).
GROUP_GREETING = "utter_line_group_greeting"
UNSUPPORTED_MEDIA = "/general_unsupported_media"
LOCATION_INTENT = "general_location"
# Decimal places kept of a shared location (about 100 m): enough to tell the area, not the house.
LOCATION_PRECISION = 3
_MEDIA = (StickerMessageContent, ImageMessageContent, VideoMessageContent, AudioMessageContent, FileMessageContent)
_HANDLED = (MessageEvent, PostbackEvent, FollowEvent, JoinEvent, UnfollowEvent, LeaveEvent)


@dataclass(frozen=True)
class Turn:
    """One thing to do for one chat."""

    event_id: str
    chat_id: str  # the engine's sender id and where pushes go: the user, or the group or room
    text: str | None  # the message for the engine; None (without a response) forgets the chat: unfollow, leave
    reply_token: str | None
    chat_type: str  # user | group | room
    response: str | None = None  # a domain.yml response to say without asking the engine (joining a group)
    received: float = field(default_factory=time.monotonic)  # when the webhook took it in

    @property
    def one_to_one(self) -> bool:
        """A chat with one citizen (the loading animation exists only there)."""
        return self.chat_type == "user"


def _chat(source) -> tuple[str | None, str]:
    if isinstance(source, GroupSource):
        return source.group_id, "group"
    if isinstance(source, RoomSource):
        return source.room_id, "room"
    if isinstance(source, UserSource):
        return source.user_id, "user"
    return None, ""


def addressed_text(message: TextMessageContent) -> str | None:
    """In a group: the text without the bot's @mention when the bot is mentioned, else None."""
    spans = [
        (m.index, m.index + m.length)
        for m in (message.mention.mentionees if message.mention else [])
        if getattr(m, "is_self", False)
    ]
    if not spans:
        return None
    text = message.text
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text.strip()


def postback_text(data: str, params: dict | None) -> str:
    """The button's payload; for the date picker, `/intent{"entity": "<picked date>"}`."""
    picker = parse_date_picker_data(data)
    if picker and params and params.get("date"):
        intent, entity = picker
        return encode_payload(intent, **{entity: params["date"]})
    return data


def location_text(message: LocationMessageContent) -> str:
    return encode_payload(
        LOCATION_INTENT,
        location_address=message.address or "",
        latitude=round(float(message.latitude), LOCATION_PRECISION),
        longitude=round(float(message.longitude), LOCATION_PRECISION),
    )


def _message_text(message, one_to_one: bool) -> str | None:
    if isinstance(message, TextMessageContent):
        if one_to_one:
            return message.text
        text = addressed_text(message)
        return None if text is None else (text or GREET)  # a bare @mention: say what the bot can do
    if not one_to_one:  # stickers and photos in a group are the members' conversation, not questions to the bot
        return None
    if isinstance(message, LocationMessageContent):
        return location_text(message)
    if isinstance(message, _MEDIA):
        return UNSUPPORTED_MEDIA
    return None


def turn_for(event: Event) -> Turn | None:
    """The turn an event asks for, or None when the bot has nothing to do (or must not answer)."""
    if not isinstance(event, _HANDLED) or event.mode == EventMode.STANDBY:  # standby: a module channel has the chat
        return None
    chat, chat_type = _chat(event.source)
    if not chat:
        return None
    one_to_one = chat_type == "user"
    reply_token = getattr(event, "reply_token", None)
    if isinstance(event, MessageEvent):
        text = _message_text(event.message, one_to_one)
    elif isinstance(event, PostbackEvent):
        text = postback_text(event.postback.data, event.postback.params)
    elif isinstance(event, FollowEvent):
        text = GREET
    elif isinstance(event, JoinEvent):
        return Turn(event.webhook_event_id, chat, None, reply_token, chat_type, response=GROUP_GREETING)
    else:  # unfollow, leave
        return Turn(event.webhook_event_id, chat, None, None, chat_type)
    if text is None:
        return None
    return Turn(event.webhook_event_id, chat, text, reply_token, chat_type)
