"""Intent classifier: a linear SVM on the sparse features, calibrated into probabilities.

A linear SVM trains in well under a second on thousands of examples; sigmoid calibration on
cross-validated scores gives confidences that FallbackClassifier thresholds can rely on. After
training the model is kept as plain arrays, so a parse is one small dot product.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError
from .message import Message, RankedIntent, SparseRow
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
    from scipy.sparse import csr_matrix

    from ..training_data import NluData


def sparse_row(message: Message) -> SparseRow:
    if message.features is None:
        raise ConfigError("config.yml: LinearSVCIntentClassifier needs a featurizer (JapaneseFeaturizer) before it.")
    return message.features


def feature_matrix(messages: Sequence[Message], width: int) -> csr_matrix:
    from scipy.sparse import csr_matrix

    rows = [sparse_row(m) for m in messages]
    indptr = np.cumsum([0] + [len(cols) for cols, _ in rows])
    cols = np.concatenate([cols for cols, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    vals = np.concatenate([vals for _, vals in rows]) if rows else np.zeros(0)
    return csr_matrix((vals, cols, indptr), shape=(len(messages), width))


@component(
    "LinearSVCIntentClassifier",
    C=0.5,  # inverse regularisation of the SVM; higher fits the examples more tightly
    class_weight="balanced",  # so intents with few examples are not drowned out
    calibration_folds=3,  # cross-validation folds for the probability calibration
    ranking_length=10,  # how many intents intent_ranking reports
    random_state=42,  # fixed seed: the same data trains the same model
)
class LinearSVCIntentClassifier(Component):
    def __init__(self, config: ComponentConfig, context: BuildContext) -> None:
        super().__init__(config, context)
        self.classes: list[str] = []
        self.coef = np.zeros((0, 0))  # features × classes
        self.intercept = self.sigmoid_a = self.sigmoid_b = np.zeros(0)

    def train(self, data: NluData, messages: list[Message]) -> None:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        width = 1 + max((int(cols.max()) for cols, _ in map(sparse_row, messages) if len(cols)), default=0)
        X = feature_matrix(messages, width)
        y = np.array([e.intent for e in data.examples])
        svm = LinearSVC(
            C=self.config["C"], class_weight=self.config["class_weight"], random_state=self.config["random_state"]
        )
        folds = min(self.config["calibration_folds"], int(np.unique(y, return_counts=True)[1].min()))
        model = CalibratedClassifierCV(svm, method="sigmoid", cv=max(folds, 2), ensemble=False)
        model.fit(X, y)
        calibrated = model.calibrated_classifiers_[0]
        self.classes = [str(c) for c in model.classes_]
        # features × classes, in single precision: the largest array of the model, and half the memory
        self.coef = np.ascontiguousarray(calibrated.estimator.coef_.T, dtype=np.float32)
        self.intercept = calibrated.estimator.intercept_.copy()
        self.sigmoid_a = np.array([c.a_ for c in calibrated.calibrators])
        self.sigmoid_b = np.array([c.b_ for c in calibrated.calibrators])

    def probabilities(self, features: SparseRow) -> NDArray[np.float64]:
        """CalibratedClassifierCV.predict_proba for one row: sigmoid of each class score, then normalised."""
        cols, vals = features
        cols, vals = cols[cols < len(self.coef)], vals[cols < len(self.coef)]
        scores = vals @ self.coef[cols] + self.intercept
        probs = 1.0 / (1.0 + np.exp(self.sigmoid_a * scores + self.sigmoid_b))
        total = probs.sum()
        return probs / total if total > 0 else np.full(len(probs), 1.0 / len(probs))

    def rank(self, features: SparseRow) -> list[RankedIntent]:
        probs = self.probabilities(features)
        order = np.argsort(-probs, kind="stable")[: self.config["ranking_length"]]
        return [{"name": self.classes[i], "confidence": float(probs[i])} for i in order]

    def process(self, message: Message, context: ParseContext) -> None:
        ranking = self.rank(sparse_row(message))
        message.intent = {**ranking[0]}
        message.intent_ranking = ranking

    def persist(self, directory: Path) -> None:
        write_state(directory, {"classes": self.classes})
        write_arrays(
            directory, coef=self.coef, intercept=self.intercept, sigmoid_a=self.sigmoid_a, sigmoid_b=self.sigmoid_b
        )

    @classmethod
    def load(cls, config: ComponentConfig, context: BuildContext, directory: Path) -> Self:
        classifier = cls(config, context)
        classifier.classes = list(read_state(directory)["classes"])
        arrays = read_arrays(directory)
        classifier.coef = np.ascontiguousarray(arrays["coef"], dtype=np.float32)
        classifier.intercept, classifier.sigmoid_a, classifier.sigmoid_b = (
            arrays["intercept"],
            arrays["sigmoid_a"],
            arrays["sigmoid_b"],
        )
        if classifier.coef.ndim != 2 or classifier.coef.shape[1:] != (len(classifier.classes),):
            raise ValueError(f"coef has shape {classifier.coef.shape} for {len(classifier.classes)} classes")
        return classifier
