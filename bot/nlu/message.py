"""The object that flows through the pipeline, normalised once, first."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

_VOICED = {"\u3099", "\u309a"}


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """NFKC-normalise `text`, returning the result and, per output char, the index of its source char.

    Half-width ｶﾞ becomes ガ and full-width ＡＢＣ becomes ABC; offsets stay mappable to the original.
    """
    out: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch)
        for n in norm:
            if n in _VOICED and out:
                composed = unicodedata.normalize("NFC", out[-1] + n)
                if len(composed) == 1:
                    out[-1] = composed
                    continue
            out.append(n)
            src.append(i)
    return "".join(out), src


@dataclass
class Token:
    text: str
    start: int  # offsets into Message.norm
    end: int
    norm: str  # Sudachi normalized_form, kana-folded
    reading: str  # hiragana reading
    pos: str = ""


@dataclass
class Message:
    text: str
    norm: str = ""
    offsets: list[int] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    intent: dict[str, Any] = field(default_factory=lambda: {"name": None, "confidence": 0.0})
    intent_ranking: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    features: Any = None

    @classmethod
    def build(cls, text: str) -> "Message":
        norm, offsets = normalize_with_offsets(text)
        return cls(text=text, norm=norm, offsets=offsets)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `norm` back to the original text."""
        if not self.offsets:
            return start, end
        o_start = self.offsets[start] if start < len(self.offsets) else len(self.text)
        # the end is where the next normalised character starts, so ﾌﾟ → プ covers both source characters
        o_end = self.offsets[end] if end < len(self.offsets) else len(self.text)
        return o_start, o_end

    def add_entity(self, entity: str, start: int, end: int, value: Any, extractor: str, **extra) -> None:
        o_start, o_end = self.original_span(start, end)
        self.entities.append({
            "entity": entity, "start": o_start, "end": o_end, "value": value,
            "text": self.text[o_start:o_end], "extractor": extractor, **extra,
        })

    def as_parse_data(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "intent_ranking": self.intent_ranking,
            "entities": [{k: v for k, v in e.items()} for e in self.entities],
        }
