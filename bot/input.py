"""Clean what citizens type before anything reads it: control characters, empty and over-long messages."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .payload import PayloadError, decode_payload

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


@dataclass
class CleanText:
    text: str
    truncated: bool
    empty: bool
    has_words: bool  # any letter, kana, kanji or digit at all (emoji-only messages have none)


def clean(raw: str, max_chars: int) -> CleanText:
    text = _CONTROL.sub("", raw).replace("\r\n", "\n").strip()
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
    has_words = any(unicodedata.category(ch)[0] in ("L", "N") for ch in text)
    return CleanText(text, truncated, not text, has_words)


def parse_payload(text: str, intents: set[str]) -> dict | None:
    """`/intent{"slot":"value"}` from a button: the intent with confidence 1 and the JSON as entities."""
    try:
        decoded = decode_payload(text)
    except PayloadError:
        return None
    if decoded is None or decoded[0] not in intents:
        return None
    name, values = decoded
    entities = [{"entity": k, "value": v, "start": 0, "end": 0, "extractor": "payload"} for k, v in values.items()]
    intent = {"name": name, "confidence": 1.0}
    return {"text": text, "intent": intent, "intent_ranking": [intent], "entities": entities}
