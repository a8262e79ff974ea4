"""The console insights' decisions on their own: the stored margin, the grouping of vectors, domains and shares."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from bot.store.tracker_store import ranking_margin
from services.console.insights.clusters import cluster
from services.console.insights.dashboard import UNCLASSIFIED, domain_of, rate
from services.console.insights.queue import Progress
from services.console.insights.vectors import tfidf


@pytest.mark.parametrize(
    "ranking,margin",
    [
        (None, None),
        ([], None),
        ([{"name": "a", "confidence": 0.8}], 0.8),
        ([{"name": "a", "confidence": 0.8}, {"name": "b", "confidence": 0.15}], 0.65),
        # the FallbackClassifier's nlu_fallback on top is not the classifier's choice
        (
            [
                {"name": "nlu_fallback", "confidence": 0.3},
                {"name": "a", "confidence": 0.26},
                {"name": "b", "confidence": 0.24},
            ],
            0.02,
        ),
    ],
)
def test_margin_is_top_minus_runner_up_without_the_fallback(ranking, margin):
    assert ranking_margin(ranking) == (None if margin is None else pytest.approx(margin))


def test_cluster_joins_rows_within_the_distance_and_numbers_groups_in_order():
    rows = np.array([[1.0, 0, 0], [0, 1.0, 0], [0.99, 0.14, 0], [0, 0, 1.0]])
    rows /= np.linalg.norm(rows, axis=1)[:, None]
    assert cluster(csr_matrix(rows), 0.1).tolist() == [0, 1, 0, 2]
    assert cluster(csr_matrix(rows[:1])).tolist() == [0]


def test_tfidf_rows_are_unit_length_and_shared_features_weigh_less():
    matrix = tfidf([["駐車場", "料金"], ["駐車場", "場所"], ["図書館"]]).toarray()
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0)
    first = matrix[0][matrix[0] > 0]
    assert first.min() < first.max()  # 駐車場 (in two questions) below 料金 (in one)


def test_domains_and_rates():
    assert domain_of("taxes_resident_tax") == "taxes"
    assert domain_of("nlu_fallback") == domain_of(None) == UNCLASSIFIED
    assert rate(3, 5) == 0.6 and rate(0, 0) is None
    assert Progress(total=8, open=2).resolved == 6 and Progress(total=8, open=2).share == 0.75
    assert Progress(total=0, open=0).share == 1.0
