"""Sparse features: char n-grams of the folded text, plus Sudachi normalised words, readings and synonym groups."""
from __future__ import annotations

from pathlib import Path

from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from .folding import fold
from .registry import Component, component

# Punctuation and symbols carry no meaning for intents.
_SKIP_POS = {"補助記号", "空白"}


def identity(tokens):
    return tokens


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
    def __init__(self, config, context):
        super().__init__(config, context)
        self.synonyms: dict[str, list[str]] = {}
        if config["synonyms"]:
            self.synonyms = load_synonym_groups(Path(context["project_dir"]) / config["synonyms"])
        self.char_vec = TfidfVectorizer(analyzer="char", ngram_range=(config["char_ngram_min"], config["char_ngram_max"]),
                                        sublinear_tf=True, min_df=1)
        self.word_vec = TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=1)

    def words(self, message) -> list[str]:
        words = [t.norm for t in message.tokens if t.pos not in _SKIP_POS]
        feats = list(words)
        if self.config["readings"]:
            feats += ["r:" + t.reading for t in message.tokens if t.pos not in _SKIP_POS and t.reading]
        if self.config["word_bigrams"]:
            feats += [a + "|" + b for a, b in zip(words, words[1:])]
        for w in words:
            feats += ["syn:" + g for g in self.synonyms.get(w, ())]
        return feats

    def _text(self, message) -> str:
        return fold(message.norm)

    def train(self, data, messages):
        self.char_vec.fit([self._text(m) for m in messages])
        self.word_vec.fit([self.words(m) for m in messages])
        # Training examples need features too, for the classifier that follows.
        for m in messages:
            self.process(m, {})

    def transform(self, messages):
        return hstack([
            self.char_vec.transform([self._text(m) for m in messages]),
            self.word_vec.transform([self.words(m) for m in messages]),
        ]).tocsr()

    def process(self, message, context):
        message.features = self.transform([message])
