"""Check and clean what a channel hands the engine before anything reads it: the sender's id, the metadata, and
the text (control characters, unpaired surrogates, empty and over-long messages).

JSON can carry what no database stores: NUL, which PostgreSQL refuses in text, and unpaired surrogates
(`"\\ud800"`), which are not Unicode and cannot be encoded. Text loses them; ids, metadata and button payloads
holding them are refused.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .errors import BotError
from .payload import PayloadError, decode_payload

# Removed from messages: control and invisible formatting characters, and unpaired surrogates (a str holds a
# surrogate only when it is unpaired: JSON's escaped pairs decode to one character).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\ud800-\udfff]"
)
# Refused in metadata and button payloads: what PostgreSQL's text or UTF-8 cannot hold; in ids, any control character.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
_BAD_ID = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Same limit as the sender_id columns.
MAX_SENDER_CHARS = 128
# A button's JSON holds slot values: a list of objects at most (the booking's items).
MAX_PAYLOAD_DEPTH = 4
# The responses of a message with nothing to read, sent before the NLU: empty, or without a letter or digit (「🍣」).
EMPTY_RESPONSE = "utter_empty_message"
NO_WORDS_RESPONSE = "utter_no_text"
UNREADABLE_RESPONSES = frozenset({EMPTY_RESPONSE, NO_WORDS_RESPONSE})


class InputError(BotError):
    """A message the engine refuses before reading it; `too_large` when only its size is wrong."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass
class CleanText:
    text: str
    truncated: bool
    empty: bool
    has_words: bool  # any letter, kana, kanji or digit at all (emoji-only messages have none)

    @property
    def unreadable_response(self) -> str | None:
        """The response that declines this message before the NLU reads it; None when there is something to read."""
        if self.empty:
            return EMPTY_RESPONSE
        return None if self.has_words else NO_WORDS_RESPONSE


def check_sender(sender_id: str) -> None:
    """A sender id the store can key a conversation by."""
    if not sender_id or len(sender_id) > MAX_SENDER_CHARS:
        raise InputError(f"`sender` must have 1 to {MAX_SENDER_CHARS} characters.")
    if _BAD_ID.search(sender_id):
        raise InputError("`sender` must not contain control characters or unpaired surrogates.")


def check_metadata(metadata: dict[str, Any] | None, max_bytes: int, max_depth: int) -> dict[str, Any]:
    """The message's metadata when it is small and shallow enough to keep in the conversation state."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InputError("`metadata` must be an object.")
    depth, strings = _walk(metadata, max_depth)
    if depth > max_depth:
        raise InputError(f"`metadata` is nested deeper than {max_depth} levels.")
    if any(_UNSTORABLE.search(s) for s in strings):
        raise InputError("`metadata` must not contain NUL characters or unpaired surrogates.")
    size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))
    if size > max_bytes:
        raise InputError(f"`metadata` is {size} bytes of JSON; at most {max_bytes} are kept.", too_large=True)
    return metadata


def clean(raw: str, max_chars: int) -> CleanText:
    text = _CONTROL.sub("", raw).replace("\r\n", "\n").strip()
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
    has_words = any(unicodedata.category(ch)[0] in ("L", "N") for ch in text)
    return CleanText(text, truncated, not text, has_words)


def parse_payload(text: str, intents: set[str]) -> dict | None:
    """`/intent{"slot":"value"}` from a button: the intent with confidence 1 and the JSON as entities. A payload
    whose JSON nests deeper than slot values do, or whose escapes spell NUL or unpaired surrogates, is plain text."""
    try:
        decoded = decode_payload(text)
    except PayloadError:
        return None
    if decoded is None or decoded[0] not in intents:
        return None
    name, values = decoded
    depth, strings = _walk(values, MAX_PAYLOAD_DEPTH)
    if depth > MAX_PAYLOAD_DEPTH or any(_UNSTORABLE.search(s) for s in strings):
        return None
    entities = [{"entity": k, "value": v, "start": 0, "end": 0, "extractor": "payload"} for k, v in values.items()]
    intent = {"name": name, "confidence": 1.0}
    return {"text": text, "intent": intent, "intent_ranking": [intent], "entities": entities}


def _walk(value: Any, max_depth: int) -> tuple[int, list[str]]:
    """The nesting depth of a JSON value (an object or list of scalars is 1) and its strings, keys included; the
    walk stops one level past `max_depth`. Breadth first, without recursion: the nesting is what is being checked."""
    depth, level = 0, [value]
    strings: list[str] = []
    while level and depth <= max_depth:
        strings.extend(v for v in level if isinstance(v, str))
        containers = [v for v in level if isinstance(v, dict | list)]
        if containers:
            depth += 1
        level = [item for c in containers for item in ([*c.keys(), *c.values()] if isinstance(c, dict) else c)]
    return depth, strings
