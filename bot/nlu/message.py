"""The object that flows through the pipeline, normalised once, first."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray

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


class Intent(TypedDict):
    """The message's intent; `name` is None until a classifier has run."""

    name: str | None
    confidence: float


class RankedIntent(TypedDict):
    """One line of `intent_ranking`."""

    name: str
    confidence: float


class Entity(TypedDict):
    """An entity found in the message, with its span in the original text."""

    entity: str
    start: int
    end: int
    value: str
    text: str
    extractor: str


# A sparse feature row: column indices and their values.
SparseRow = tuple[NDArray[np.int64], NDArray[np.float64]]


@dataclass
class Message:
    text: str
    norm: str = ""
    offsets: list[int] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    intent: Intent = field(default_factory=lambda: Intent(name=None, confidence=0.0))
    intent_ranking: list[RankedIntent] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    features: SparseRow | None = None  # set by the featurizer

    @classmethod
    def build(cls, text: str) -> Message:
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

    def add_entity(self, entity: str, start: int, end: int, value: str, extractor: str) -> None:
        """Add an entity found at [start, end) of `norm`; its span is stored in the original text's offsets."""
        o_start, o_end = self.original_span(start, end)
        self.entities.append(
            {
                "entity": entity,
                "start": o_start,
                "end": o_end,
                "value": value,
                "text": self.text[o_start:o_end],
                "extractor": extractor,
            }
        )

    def as_parse_data(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "intent_ranking": self.intent_ranking,
            "entities": [dict(e) for e in self.entities],
        }
