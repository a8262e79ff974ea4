"""Sparse features: char n-grams of the folded text, plus Sudachi normalised words, readings and synonym groups.

scikit-learn's TfidfVectorizer learns the vocabulary and idf weights at training time; what is kept is plain
dicts and arrays, so serving needs neither scikit-learn nor its per-call overhead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Self

import numpy as np
from numpy.typing import NDArray

from .folding import fold
from .message import Message
from .registry import (
    BuildContext,
    Component,
    ComponentConfig,
    ParseContext,
    component,
    read_arrays,
    read_state,
    write_arrays,
    write_state,
)

if TYPE_CHECKING:
    from ..training_data import NluData

# Punctuation and symbols carry no meaning for intents.
_SKIP_POS = {"補助記号", "空白"}
_WHITESPACE = re.compile(r"\s\s+")


def identity(tokens: list[str]) -> list[str]:
    return tokens


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """The n-grams of scikit-learn's `analyzer="char"` (white space runs folded to one space)."""
    text = _WHITESPACE.sub(" ", text)
    return [text[i : i + n] for n in range(low, min(high, len(text)) + 1) for i in range(len(text) - n + 1)]


def tfidf_block(
    features: list[str], vocabulary: dict[str, int], idf: NDArray[np.float64], offset: int
) -> tuple[list[int], list[float]]:
    """One message's sublinear, L2-normalised tf-idf block, as TfidfVectorizer computes a row."""
    counts = Counter(f for f in features if f in vocabulary)
    cols = [vocabulary[f] for f in counts]
    vals = [(1.0 + math.log(n)) * idf[c] for n, c in zip(counts.values(), cols, strict=True)]
    norm = math.sqrt(sum(v * v for v in vals)) or 1.0
    return [c + offset for c in cols], [v / norm for v in vals]


def load_synonym_groups(path: Path) -> dict[str, list[str]]:
    """Sudachi synonym dictionary: folded headword → group ids (国保 and 国民健康保険 share one)."""
    groups: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            fields = line.rstrip("\n").split(",")
            if len(fields) < 9 or fields[2] == "2":  # expansion flag 2: never expand this word
                continue
            groups.setdefault(fold(fields[8]), []).append(fields[0])
    return groups


@component(
    "JapaneseFeaturizer",
    char_ngram_min=1,  # shortest character n-gram
    char_ngram_max=3,  # longest character n-gram
    word_bigrams=True,  # add pairs of neighbouring normalised words
    synonyms=None,  # path of Sudachi's synonyms.txt, relative to the project; None disables
    readings=True,  # add each word's hiragana reading, so すぷれー matches スプレー
)
class JapaneseFeaturizer(Component):
    """Sets `message.features` to a sparse row: (column indices, values), width `self.width`."""

    def __init__(self, config: ComponentConfig, context: BuildContext) -> None:
        super().__init__(config, context)
        self.project_dir = Path(context.get("project_dir", "."))
        self.synonyms: dict[str, list[str]] = {}  # folded headword -> synonym group ids (read when training)
        self.char_vocab: dict[str, int] = {}
        self.word_vocab: dict[str, int] = {}
        self.char_idf = self.word_idf = np.zeros(0)

    @property
    def width(self) -> int:
        return len(self.char_vocab) + len(self.word_vocab)

    def words(self, message: Message) -> list[str]:
        words = [t.norm for t in message.tokens if t.pos not in _SKIP_POS]
        feats = list(words)
        if self.config["readings"]:
            feats += ["r:" + t.reading for t in message.tokens if t.pos not in _SKIP_POS and t.reading]
        if self.config["word_bigrams"]:
            feats += [a + "|" + b for a, b in pairwise(words)]
        for w in words:
            feats += ["syn:" + g for g in self.synonyms.get(w, ())]
        return feats

    def _chars(self, message: Message) -> list[str]:
        return char_ngrams(fold(message.norm), self.config["char_ngram_min"], self.config["char_ngram_max"])

    def train(self, data: NluData, messages: list[Message]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.synonyms = {}
        if self.config["synonyms"]:
            self.synonyms = load_synonym_groups(self.project_dir / self.config["synonyms"])
        char_vec = TfidfVectorizer(analyzer=identity, sublinear_tf=True).fit([self._chars(m) for m in messages])
        word_vec = TfidfVectorizer(analyzer=identity, sublinear_tf=True).fit([self.words(m) for m in messages])
        self.char_vocab, self.char_idf = dict(char_vec.vocabulary_), char_vec.idf_.copy()
        self.word_vocab, self.word_idf = dict(word_vec.vocabulary_), word_vec.idf_.copy()
        # Only synonym groups the training data used can ever match; keep just those headwords.
        self.synonyms = {w: gs for w, gs in self.synonyms.items() if any("syn:" + g in self.word_vocab for g in gs)}
        for m in messages:
            self.process(m, {})

    def process(self, message: Message, context: ParseContext) -> None:
        char_cols, char_vals = tfidf_block(self._chars(message), self.char_vocab, self.char_idf, 0)
        word_cols, word_vals = tfidf_block(self.words(message), self.word_vocab, self.word_idf, len(self.char_vocab))
        message.features = (np.array(char_cols + word_cols, dtype=np.int64), np.array(char_vals + word_vals))

    def persist(self, directory: Path) -> None:
        write_state(
            directory, {"char_vocab": self.char_vocab, "word_vocab": self.word_vocab, "synonyms": self.synonyms}
        )
        write_arrays(directory, char_idf=self.char_idf, word_idf=self.word_idf)

    @classmethod
    def load(cls, config: ComponentConfig, context: BuildContext, directory: Path) -> Self:
        featurizer = cls(config, context)
        state, arrays = read_state(directory), read_arrays(directory)
        featurizer.char_vocab, featurizer.word_vocab = state["char_vocab"], state["word_vocab"]
        featurizer.synonyms = state["synonyms"]
        featurizer.char_idf, featurizer.word_idf = arrays["char_idf"], arrays["word_idf"]
        return featurizer
