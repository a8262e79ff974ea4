"""Bot messages (Rasa REST shape) as LINE message objects, within LINE's limits.

- Text longer than `MAX_TEXT` is split at sentence ends; a reply carries at most `MAX_MESSAGES` messages, so
  short texts are joined when there would be more, and what still does not fit goes out in further batches.
- The buttons of the last message that has any become quick replies (at most `MAX_QUICK_REPLIES`); other
  buttons, or more than fit, become postback buttons in a Flex message. A button's payload is the postback
  data, which comes back as the user's message.
- `custom.type == "date_picker"` adds a date picker whose postback data names the intent and entity
  (`date_picker_data`); `custom.type == "summary"` becomes a Flex bubble with its buttons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from linebot.v3.messaging import (
    DatetimePickerAction,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexMessage,
    FlexSeparator,
    FlexText,
    Message,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

# LINE's limits (Messaging API reference, "Message objects" and "Action objects").
MAX_MESSAGES = 5  # per reply or push request
MAX_TEXT = 5000  # characters of one text message
MAX_QUICK_REPLIES = 13
MAX_ALT_TEXT = 400
MAX_DATA = 300  # postback data and displayText
MAX_QUICK_LABEL = 20
MAX_BUTTON_LABEL = 40
MAX_BUTTONS_PER_BUBBLE = 10
MAX_BUBBLES = 12
# Shown on the picker button when the bot message names no label of its own.
DEFAULT_PICKER_LABEL = "カレンダーから選ぶ"
DATE_PICKER_PREFIX = "date_picker:"

_SENTENCE_END = re.compile(r"(?<=[。．！？!?\n])")
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DATE_PICKER = re.compile(rf"^{DATE_PICKER_PREFIX}({_IDENT}):({_IDENT})$")


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut after a sentence end where there is one."""
    if len(text) <= limit:
        return [text]
    pieces, current = [], ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > limit:  # one sentence longer than a message: cut it hard
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        if len(current) + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def date_picker_data(intent: str, entity: str) -> str:
    return f"{DATE_PICKER_PREFIX}{intent}:{entity}"


def parse_date_picker_data(data: str) -> tuple[str, str] | None:
    """(intent, entity) from a date picker's postback data, None for any other data."""
    m = _DATE_PICKER.match(data)
    return (m.group(1), m.group(2)) if m else None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def button_action(button: dict, label_limit: int):
    """A postback carrying the payload; a payload too long for postback data is sent as the title instead."""
    title, payload = str(button.get("title") or ""), str(button.get("payload") or button.get("title") or "")
    label = _cut(title or payload, label_limit)
    if len(payload) <= MAX_DATA:
        return PostbackAction(label=label, data=payload, displayText=_cut(title or payload, MAX_DATA))
    return MessageAction(label=label, text=_cut(title, MAX_TEXT))


def picker_action(custom: dict) -> DatetimePickerAction:
    return DatetimePickerAction(
        label=_cut(str(custom.get("label") or DEFAULT_PICKER_LABEL), MAX_QUICK_LABEL),
        data=date_picker_data(custom["intent"], custom["entity"]),
        mode="date",
        initial=custom.get("initial") or custom.get("min"),
        min=custom.get("min"),
        max=custom.get("max"),
    )


def _choices(message: dict, label_limit: int) -> list:
    """Actions of one bot message: its date picker first, then its buttons."""
    custom = message.get("custom") or {}
    picker = custom.get("type") == "date_picker" and custom.get("intent") and custom.get("entity")
    actions = [picker_action(custom)] if picker else []
    return actions + [button_action(b, label_limit) for b in message.get("buttons") or []]


def choices_flex(actions: list) -> FlexMessage:
    """Buttons in bubbles of ten, for choices that are not quick replies."""
    chunks = [actions[i : i + MAX_BUTTONS_PER_BUBBLE] for i in range(0, len(actions), MAX_BUTTONS_PER_BUBBLE)]
    bubbles = [
        FlexBubble(
            body=FlexBox(
                layout="vertical",
                spacing="sm",
                contents=[FlexButton(action=a, style="secondary", height="sm") for a in chunk],
            )
        )
        for chunk in chunks[:MAX_BUBBLES]
    ]
    contents = bubbles[0] if len(bubbles) == 1 else FlexCarousel(contents=bubbles)
    return FlexMessage(altText=_cut("、".join(a.label for a in actions), MAX_ALT_TEXT), contents=contents)


def summary_flex(message: dict) -> FlexMessage:
    """A booking summary: title, one row per field, the total, and the buttons (the first one primary)."""
    custom = message["custom"]
    rows = [
        FlexBox(
            layout="horizontal",
            spacing="md",
            contents=[
                FlexText(text=str(label), size="sm", color="#555555", flex=2, wrap=True),
                FlexText(text=str(value), size="sm", flex=5, wrap=True),
            ],
        )
        for label, value in custom.get("rows") or []
    ]
    if custom.get("total"):
        rows += [FlexSeparator(margin="md"), FlexText(text=str(custom["total"]), weight="bold", wrap=True, margin="md")]
    buttons = custom.get("buttons") or message.get("buttons") or []
    bubble = FlexBubble(
        header=FlexBox(
            layout="vertical",
            contents=[FlexText(text=str(custom.get("title") or ""), weight="bold", size="lg", wrap=True)],
        ),
        body=FlexBox(
            layout="vertical", spacing="sm", contents=rows or [FlexText(text=message.get("text") or "", wrap=True)]
        ),
        footer=FlexBox(
            layout="vertical",
            spacing="sm",
            contents=[
                FlexButton(action=button_action(b, MAX_BUTTON_LABEL), style="primary" if i == 0 else "secondary")
                for i, b in enumerate(buttons)
            ],
        )
        if buttons
        else None,
    )
    return FlexMessage(
        altText=_cut(message.get("text") or str(custom.get("title") or ""), MAX_ALT_TEXT), contents=bubble
    )


def _is_summary(message: dict) -> bool:
    return (message.get("custom") or {}).get("type") == "summary"


def _blocks(messages: list[dict]) -> tuple[list, list]:
    """Plain texts (str) and Flex messages in order, and the quick-reply actions for the end."""
    last_with_choices = max(
        (i for i, m in enumerate(messages) if not _is_summary(m) and _choices(m, MAX_QUICK_LABEL)), default=None
    )
    blocks: list = []
    quick: list = []
    for i, m in enumerate(messages):
        if _is_summary(m):
            blocks.append(summary_flex(m))
            continue
        if m.get("text"):
            blocks.extend(split_text(m["text"]))
        choices = _choices(m, MAX_QUICK_LABEL)
        if i == last_with_choices and len(choices) <= MAX_QUICK_REPLIES and blocks:
            quick = choices
        elif choices:
            blocks.append(choices_flex(_choices(m, MAX_BUTTON_LABEL)))
    return blocks, quick


def _join_texts(blocks: list) -> list:
    """Join neighbouring texts (blank line between) while there are more blocks than one request carries."""
    i = 0
    while len(blocks) > MAX_MESSAGES and i < len(blocks) - 1:
        a, b = blocks[i], blocks[i + 1]
        if isinstance(a, str) and isinstance(b, str) and len(a) + len(b) + 2 <= MAX_TEXT:
            blocks[i : i + 2] = [f"{a}\n\n{b}"]
        else:
            i += 1
    return blocks


def render(messages: Iterable[dict]) -> list[Message]:
    """Every LINE message for one turn of the bot, in order, with the quick replies on the last one."""
    blocks, quick = _blocks([m for m in messages if m])
    out = [TextMessage(text=b) if isinstance(b, str) else b for b in _join_texts(blocks)]
    if quick and out:
        out[-1].quick_reply = QuickReply(items=[QuickReplyItem(action=a) for a in quick])
    return out


def batches(messages: list[Message]) -> list[list[Message]]:
    """Requests of at most `MAX_MESSAGES` messages: the first is the reply, the others are pushed."""
    return [messages[i : i + MAX_MESSAGES] for i in range(0, len(messages), MAX_MESSAGES)]
