"""SudachiPy tokenizer: normalized_form and reading collapse 空缶/空き缶 and ゴミ/ｺﾞﾐ before anything else sees them."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import jaconv

from .folding import fold
from .message import Message, Token
from .registry import BuildContext, Component, ComponentConfig, ParseContext, component

if TYPE_CHECKING:
    from sudachipy import Dictionary, Tokenizer

    from ..training_data import NluData


_DICTIONARIES: dict[str, Dictionary] = {}
_DICTIONARIES_LOCK = threading.Lock()


def _dictionary(name: str) -> Dictionary:
    with _DICTIONARIES_LOCK:
        if name not in _DICTIONARIES:
            from sudachipy import dictionary

            _DICTIONARIES[name] = dictionary.Dictionary(dict=name)
        return _DICTIONARIES[name]


@component(
    "SudachiTokenizer",
    mode="C",  # Sudachi split mode: A (short units), B (middle) or C (named entities kept whole)
    dict="core",  # the sudachidict-<name> package to load
)
class SudachiTokenizer(Component):
    def __init__(self, config: ComponentConfig, context: BuildContext) -> None:
        super().__init__(config, context)
        self._local = threading.local()

    def _tokenizer(self) -> Tokenizer:
        # One dictionary per process (it is large); one cheap tokenizer per thread, since a tokenizer
        # keeps per-call state.
        tok: Tokenizer | None = getattr(self._local, "tok", None)
        if tok is None:
            from sudachipy import tokenizer

            tok = _dictionary(self.config["dict"]).create()
            self._local.tok = tok
            self._local.mode = getattr(tokenizer.Tokenizer.SplitMode, self.config["mode"])
        return tok

    def tokenize(self, text: str) -> list[Token]:
        if not text:
            return []
        tok = self._tokenizer()
        tokens = []
        for m in tok.tokenize(text, self._local.mode):
            surface = m.surface()
            if not surface.strip():
                continue
            tokens.append(
                Token(
                    text=surface,
                    start=m.begin(),
                    end=m.end(),
                    norm=fold(m.normalized_form()),
                    reading=jaconv.kata2hira(m.reading_form()),
                    pos=m.part_of_speech()[0],
                )
            )
        return tokens

    def train(self, data: NluData, messages: list[Message]) -> None:
        for msg in messages:
            self.process(msg, {})

    def process(self, message: Message, context: ParseContext) -> None:
        message.tokens = self.tokenize(message.norm)
