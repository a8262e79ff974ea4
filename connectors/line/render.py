"""Bot messages (Rasa REST shape) as LINE message objects, within LINE's limits.

LINE refuses a whole request when one part breaks a rule (an empty text, a label one character too long), and the
citizen then gets no answer at all; so everything here is cut, dropped or split to fit, and nothing empty is sent:
- Text longer than `MAX_TEXT` is split at sentence ends; a reply carries at most `MAX_MESSAGES` messages, so
  short texts are joined when there would be more, and what still does not fit goes out in further batches.
  Blank texts are dropped.
- The buttons of the last message become quick replies (at most `MAX_QUICK_REPLIES`): LINE shows them under
  the last message only, so they must be the choices of what the bot said last (a form's question asked again
  after an answer to another question), never an earlier message's. Earlier messages' buttons, or more than fit,
  become postback buttons in Flex messages, packed within LINE's size limits. A button's payload is the postback
  data, which comes back as the user's message. A button with neither title nor payload is dropped.
- `custom.type == "date_picker"` adds a date picker whose postback data names the intent and entity
  (`date_picker_data`), labelled `custom.label` or else render's `picker_label` (domain.yml's words, which the
  connector passes); a picker without a label or whose dates LINE would refuse is left out (the date buttons
  remain).
- `custom.type == "summary"` becomes a Flex bubble with its buttons: blank cells and rows are dropped, a row with
  one cell spans the card; a card over LINE's size limit is sent as its text and buttons instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any, TypeAlias

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

# LINE's limits (Messaging API reference, "Message objects", "Action objects" and "Flex Message").
MAX_MESSAGES = 5  # per reply or push request
MAX_TEXT = 5000  # characters of one text message
MAX_QUICK_REPLIES = 13
MAX_ALT_TEXT = 1500  # a Flex message's altText
MAX_DATA = 300  # postback data, displayText, a message action's text
MAX_QUICK_LABEL = 20
MAX_BUTTON_LABEL = 40
MAX_BUTTONS_PER_BUBBLE = 10
MAX_BUBBLES = 12
# Bytes of JSON as line-bot-sdk sends it (non-ASCII escaped), counting a KB as 1,000 bytes: the strictest reading.
MAX_BUBBLE_BYTES = 30_000
MAX_CAROUSEL_BYTES = 50_000
# Dates a date picker may offer (the datetime picker action's documented range).
PICKER_RANGE = (date(1900, 1, 1), date(2100, 12, 31))
DATE_PICKER_PREFIX = "date_picker:"

_SENTENCE_END = re.compile(r"(?<=[。．！？!?\n])")
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DATE_PICKER = re.compile(rf"^{DATE_PICKER_PREFIX}({_IDENT}):({_IDENT})$")

Action: TypeAlias = PostbackAction | MessageAction | DatetimePickerAction


def _clean(value: object) -> str:
    return str(value).strip() if value is not None else ""


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sent_size(model: Any) -> int:
    """Bytes of a line-bot-sdk model as the SDK puts it on the wire."""
    return len(json.dumps(model.to_dict()))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut after a sentence end where there is one; none if blank."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
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


def button_action(button: dict, label_limit: int) -> Action | None:
    """A postback carrying the payload; a payload too long for postback data is sent as the title instead.
    None for a button that has nothing to show."""
    title, payload = _clean(button.get("title")), _clean(button.get("payload"))
    label = _cut(title or payload, label_limit)
    if not label:
        return None
    if payload and len(payload) <= MAX_DATA:
        return PostbackAction(label=label, data=payload, displayText=_cut(title or payload, MAX_DATA))
    if not title:  # a payload cut short would say something else
        return None
    return MessageAction(label=label, text=_cut(title, MAX_DATA))


def _picker_date(value: object) -> date | None:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return None
    return day if PICKER_RANGE[0] <= day <= PICKER_RANGE[1] else None


def picker_action(custom: dict, default_label: str) -> DatetimePickerAction | None:
    """A date picker from `min` to `max`; None unless LINE would take it (a label, valid dates, min before max)."""
    data = date_picker_data(str(custom.get("intent")), str(custom.get("entity")))
    low, high = _picker_date(custom.get("min")), _picker_date(custom.get("max"))
    initial = _picker_date(custom.get("initial")) or low
    label = _cut(_clean(custom.get("label")) or _clean(default_label), MAX_QUICK_LABEL)
    if not (
        label and parse_date_picker_data(data) and len(data) <= MAX_DATA and low and high and initial and low < high
    ):
        return None
    return DatetimePickerAction(
        label=label,
        data=data,
        mode="date",
        initial=min(max(initial, low), high).isoformat(),
        min=low.isoformat(),
        max=high.isoformat(),
    )


def _is_summary(message: dict) -> bool:
    return (message.get("custom") or {}).get("type") == "summary"


def _buttons(message: dict) -> list[dict]:
    """The message's buttons; a summary card may carry its own."""
    custom = message.get("custom") or {}
    return (custom.get("buttons") if _is_summary(message) else None) or message.get("buttons") or []


def _choices(message: dict, label_limit: int, picker_label: str) -> list[Action]:
    """Actions of one bot message: its date picker first, then its buttons."""
    custom = message.get("custom") or {}
    picker = picker_action(custom, picker_label) if custom.get("type") == "date_picker" else None
    actions = [button_action(b, label_limit) for b in _buttons(message)]
    return [a for a in [picker, *actions] if a is not None]


def _alt_text(*candidates: object) -> str:
    """The first non-blank candidate, cut to the altText limit ("" when all are blank)."""
    return next((_cut(t, MAX_ALT_TEXT) for t in map(_clean, candidates) if t), "")


def _button_bubbles(actions: list[Action]) -> list[FlexBubble]:
    """Buttons in bubbles of up to ten, each bubble within LINE's size limit."""
    bubbles: list[FlexBubble] = []
    chunk: list[FlexButton] = []

    def bubble(buttons: list[FlexButton]) -> FlexBubble:
        return FlexBubble(body=FlexBox(layout="vertical", spacing="sm", contents=buttons))

    for action in actions:
        button = FlexButton(action=action, style="secondary", height="sm")
        if chunk and (len(chunk) == MAX_BUTTONS_PER_BUBBLE or sent_size(bubble([*chunk, button])) > MAX_BUBBLE_BYTES):
            bubbles.append(bubble(chunk))
            chunk = []
        chunk.append(button)
    if chunk:
        bubbles.append(bubble(chunk))
    return bubbles


def choices_flex(actions: list[Action]) -> list[FlexMessage]:
    """Buttons for choices that are not quick replies: a bubble, or carousels within LINE's count and size limits."""
    messages: list[FlexMessage] = []
    group: list[FlexBubble] = []

    def message(bubbles: list[FlexBubble]) -> FlexMessage:
        labels = "、".join(button.action.label for b in bubbles for button in b.body.contents)
        contents = bubbles[0] if len(bubbles) == 1 else FlexCarousel(contents=bubbles)
        return FlexMessage(altText=_alt_text(labels), contents=contents)

    for bubble in _button_bubbles(actions):
        if group and (
            len(group) == MAX_BUBBLES or sent_size(FlexCarousel(contents=[*group, bubble])) > MAX_CAROUSEL_BYTES
        ):
            messages.append(message(group))
            group = []
        group.append(bubble)
    if group:
        messages.append(message(group))
    return messages


def _row(label: object, value: object) -> FlexBox | FlexText | None:
    """One line of a card: label and value side by side; a lone cell across the card; nothing when both are blank."""
    label, value = _clean(label), _clean(value)
    if label and value:
        return FlexBox(
            layout="horizontal",
            spacing="md",
            contents=[
                FlexText(text=label, size="sm", color="#555555", flex=2, wrap=True),
                FlexText(text=value, size="sm", flex=5, wrap=True),
            ],
        )
    if label or value:
        return FlexText(text=label or value, size="sm", wrap=True)
    return None


def summary_flex(message: dict) -> FlexMessage | None:
    """A booking card: title, one row per field, the total, and the buttons (the first one primary).
    None when LINE would refuse it (nothing to show, or over the size limit): the caller sends text instead."""
    custom = message["custom"]
    title, total, text = _clean(custom.get("title")), _clean(custom.get("total")), _clean(message.get("text"))
    rows: list[Any] = [r for r in (_row(*cells[:2]) for cells in custom.get("rows") or [] if len(cells) >= 2) if r]
    if total:
        rows += [FlexSeparator(margin="md"), FlexText(text=total, weight="bold", wrap=True, margin="md")]
    if not rows and text:
        rows = [FlexText(text=_cut(text, MAX_TEXT), wrap=True)]
    actions = [a for a in (button_action(b, MAX_BUTTON_LABEL) for b in _buttons(message)) if a]
    alt_text = _alt_text(text, title, total)
    if not (rows or title) or not alt_text:
        return None
    bubble = FlexBubble(
        header=FlexBox(layout="vertical", contents=[FlexText(text=title, weight="bold", size="lg", wrap=True)])
        if title
        else None,
        body=FlexBox(layout="vertical", spacing="sm", contents=rows) if rows else None,
        footer=FlexBox(
            layout="vertical",
            spacing="sm",
            contents=[FlexButton(action=a, style="primary" if i == 0 else "secondary") for i, a in enumerate(actions)],
        )
        if actions
        else None,
    )
    if sent_size(bubble) > MAX_BUBBLE_BYTES:
        return None
    return FlexMessage(altText=alt_text, contents=bubble)


def _blocks(messages: list[dict], picker_label: str) -> tuple[list[str | FlexMessage], list[Action]]:
    """Plain texts (str) and Flex messages in order, and the quick-reply actions for the end."""
    cards = {i: summary_flex(m) for i, m in enumerate(messages) if _is_summary(m)}
    last = len(messages) - 1  # a card shows its own buttons; another message's are its quick replies
    blocks: list[str | FlexMessage] = []
    quick: list[Action] = []
    for i, m in enumerate(messages):
        card = cards.get(i)
        if card:
            blocks.append(card)
            continue
        blocks.extend(split_text(_clean(m.get("text"))))
        choices = _choices(m, MAX_QUICK_LABEL, picker_label)
        if i == last and choices and len(choices) <= MAX_QUICK_REPLIES and blocks:
            quick = choices
        elif choices:
            blocks.extend(choices_flex(_choices(m, MAX_BUTTON_LABEL, picker_label)))
    return blocks, quick


def _join_texts(blocks: list[str | FlexMessage]) -> list[str | FlexMessage]:
    """Join neighbouring texts (blank line between) while there are more blocks than one request carries."""
    i = 0
    while len(blocks) > MAX_MESSAGES and i < len(blocks) - 1:
        a, b = blocks[i], blocks[i + 1]
        if isinstance(a, str) and isinstance(b, str) and len(a) + len(b) + 2 <= MAX_TEXT:
            blocks[i : i + 2] = [f"{a}\n\n{b}"]
        else:
            i += 1
    return blocks


def render(messages: Iterable[dict], picker_label: str = "") -> list[Message]:
    """Every LINE message for one turn of the bot, in order, with the quick replies on the last one; a date picker
    whose message names no label gets `picker_label`."""
    blocks, quick = _blocks([m for m in messages if m], picker_label)
    out: list[Message] = [TextMessage(text=b) if isinstance(b, str) else b for b in _join_texts(blocks)]
    if quick and out:
        out[-1].quick_reply = QuickReply(items=[QuickReplyItem(action=a) for a in quick])
    return out


def plain(messages: Iterable[dict]) -> list[Message]:
    """The texts of the bot's messages alone: what is sent when LINE refuses the rich rendering."""
    return render([{"text": m.get("text")} for m in messages if m])


def batches(messages: list[Message]) -> list[list[Message]]:
    """Requests of at most `MAX_MESSAGES` messages: the first is the reply, the others are pushed."""
    return [messages[i : i + MAX_MESSAGES] for i in range(0, len(messages), MAX_MESSAGES)]
