"""Similar questions together: average-linkage clustering on cosine distance (scipy; no training at run time).

Average linkage joins two groups only when their questions are alike on the whole, so one shared word (市役所,
ごみ) does not chain unrelated questions into one group the way single linkage would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

# Questions further apart than this (1 - cosine similarity of their NLU features) stay in separate groups.
DEFAULT_DISTANCE = 0.9


def cluster(vectors: csr_matrix, max_distance: float = DEFAULT_DISTANCE) -> NDArray[np.int64]:
    """A group number per row (0, 1, ...: numbered in the order their first row appears); `vectors` are
    L2-normalised rows (vectors.featurize)."""
    # Imported on use: scipy would cost every citizen-serving process ~30 MB (bench/RESULTS.md).
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    n = vectors.shape[0]
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    similarity = (vectors @ vectors.T).toarray()
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=max_distance, criterion="distance")
    first_seen: dict[int, int] = {}
    return np.array([first_seen.setdefault(int(label), len(first_seen)) for label in labels], dtype=np.int64)
