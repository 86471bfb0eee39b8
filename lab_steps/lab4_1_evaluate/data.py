"""Lab 4.1-evaluate's data: a test set drawn like Lab 4.1's (the same hidden weights), its features in
``batch-in/batch-in.csv`` (no label, no header: what the batch transform reads), its labels kept by the
grader to score the predictions.
"""

from __future__ import annotations

import numpy as np

TEST_ROWS = 200
FEATURES = 8
LAB41_SEED = 41  # Lab 4.1's generator draws its weights first from this seed
SEED = 4101


def _test_set() -> tuple[np.ndarray, np.ndarray]:
    weights = np.random.default_rng(LAB41_SEED).normal(size=FEATURES)
    rng = np.random.default_rng(SEED)
    features = rng.normal(size=(TEST_ROWS, FEATURES))
    labels = (features @ weights + rng.normal(scale=0.5, size=TEST_ROWS) > 0).astype(int)
    return features, labels


def generate() -> dict[str, bytes]:
    features, _ = _test_set()
    lines = [",".join(f"{value:.6f}" for value in row) for row in features]
    return {"batch-in/batch-in.csv": ("\n".join(lines) + "\n").encode("ascii")}


def test_labels() -> list[int]:
    return [int(label) for label in _test_set()[1]]
