"""Lab 4.1's starting data: a binary label in the first column, numeric features, no header.

Deterministic (a fixed seed and fixed formatting), so every run and every grader sees the same bytes.
"""

from __future__ import annotations

import numpy as np

TRAIN_ROWS = 400
VALIDATE_ROWS = 100
FEATURES = 8
SEED = 41


def _rows(rng: np.random.Generator, weights: np.ndarray, count: int) -> bytes:
    features = rng.normal(size=(count, FEATURES))
    logits = features @ weights + rng.normal(scale=0.5, size=count)
    labels = (logits > 0).astype(int)
    lines = [
        ",".join([str(label), *(f"{value:.6f}" for value in row)])
        for label, row in zip(labels, features, strict=True)
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


def generate() -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    weights = rng.normal(size=FEATURES)
    return {
        "train-pass1.csv": _rows(rng, weights, TRAIN_ROWS),
        "validate-pass1.csv": _rows(rng, weights, VALIDATE_ROWS),
    }
