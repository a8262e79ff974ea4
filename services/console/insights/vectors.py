"""The NLU's own features for queued questions: the trained pipeline's tokenizer and featurizer, weighted anew.

The tokens and the feature strings (Sudachi's normalised words, readings, synonym groups, word pairs, character
n-grams) come from the trained pipeline, so two questions are alike exactly where the classifier would see the
same words. Their weights are computed over the questions being grouped rather than the training data: unanswered
questions are mostly about what the bot was never taught (駐車場, 図書館), words the trained vocabulary lacks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from bot.nlu.featurizer import JapaneseFeaturizer, char_ngrams
from bot.nlu.folding import fold
from bot.nlu.message import Message
from bot.nlu.pipeline import Pipeline
from bot.nlu.registry import Component

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

# What a question is about: particles, auxiliaries and endings (は, です, 教えて…ください) are shared by questions
# about anything, so only these parts of speech make word features here.
CONTENT_POS = frozenset({"名詞", "固有名詞", "動詞", "形容詞", "形状詞"})
# The character block's weight beside the word block's (1): it catches spelling variants and unknown compounds.
CHAR_WEIGHT = 0.5


def _featurizer(pipeline: Pipeline) -> tuple[list[Component], JapaneseFeaturizer]:
    """The components that run before the featurizer (the tokenizer), and the featurizer itself."""
    for i, component in enumerate(pipeline.components):
        if isinstance(component, JapaneseFeaturizer):
            return pipeline.components[:i], component
    raise ValueError("The model's pipeline has no JapaneseFeaturizer: retrain it with config.yml's pipeline.")


def feature_strings(
    pipeline: Pipeline, texts: Sequence[str], now: Callable[[], datetime]
) -> tuple[list[list[str]], list[list[str]]]:
    """Per text, the featurizer's word features and its character n-grams, as the NLU extracts them."""
    before, featurizer = _featurizer(pipeline)
    words, chars = [], []
    for text in texts:
        message = Message.build(text)
        for component in before:
            component.process(message, {"now": now})
        message.tokens = [t for t in message.tokens if t.pos in CONTENT_POS]
        words.append(featurizer.words(message))
        chars.append(
            char_ngrams(fold(message.norm), featurizer.config["char_ngram_min"], featurizer.config["char_ngram_max"])
        )
    return words, chars


def tfidf(documents: Sequence[Sequence[str]]) -> csr_matrix:
    """Sublinear tf × smoothed idf over these documents, each row L2-normalised (the featurizer's weighting)."""
    from scipy.sparse import csr_matrix  # imported on use, as in clusters.py

    vocabulary: dict[str, int] = {}
    rows = [Counter(vocabulary.setdefault(f, len(vocabulary)) for f in doc) for doc in documents]
    df = np.zeros(len(vocabulary))
    for row in rows:
        df[list(row)] += 1
    idf = np.log((1 + len(documents)) / (1 + df)) + 1.0
    indptr, indices, values = [0], [], []
    for row in rows:
        weights = [(1.0 + math.log(n)) * idf[c] for c, n in row.items()]
        norm = math.sqrt(sum(w * w for w in weights)) or 1.0
        indices += list(row)
        values += [w / norm for w in weights]
        indptr.append(len(indices))
    return csr_matrix((values, indices, indptr), shape=(len(documents), max(len(vocabulary), 1)))


def featurize(pipeline: Pipeline, texts: Sequence[str], now: Callable[[], datetime]) -> csr_matrix:
    """One L2-normalised row per text: its word block and its character block, weighted alike."""
    from scipy.sparse import csr_matrix, hstack

    words, chars = feature_strings(pipeline, texts, now)
    both = hstack([tfidf(words), CHAR_WEIGHT * tfidf(chars)]).tocsr()
    norms = np.sqrt(np.asarray(both.multiply(both).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return csr_matrix(both.multiply(1.0 / norms[:, None]))
