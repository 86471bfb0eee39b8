"""The metrics the XGBoost containers compute themselves (``metrics/custom_metrics.py``) instead of
handing them to xgboost: accuracy, f1*, precision*, recall*, balanced_accuracy, r2, mae, mse, rmse.

The facts name these metrics but not their formulas; the ones here follow the usual definitions
(scikit-learn's, which the container uses), with a 0.5 threshold on binary probabilities and the
arg-max of multi-class probabilities (inferred).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import numpy as np

CUSTOM_METRICS = frozenset({
    "accuracy", "f1", "f1_binary", "f1_macro", "precision", "precision_macro", "precision_micro", "recall",
    "recall_macro", "recall_micro", "balanced_accuracy", "r2", "mae", "mse", "rmse",
})


def _classes(predictions: np.ndarray) -> np.ndarray:
    if predictions.ndim == 2:  # multi:softprob
        return predictions.argmax(axis=1).astype(float)
    if predictions.size and predictions.max() <= 1 and predictions.min() >= 0:
        return (predictions > 0.5).astype(float)
    return np.rint(predictions)  # multi:softmax gives the class itself


def _per_class(labels: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = np.union1d(labels, classes)
    true_positive = np.array([np.sum((classes == v) & (labels == v)) for v in values], dtype=float)
    predicted = np.array([np.sum(classes == v) for v in values], dtype=float)
    actual = np.array([np.sum(labels == v) for v in values], dtype=float)
    return true_positive, predicted, actual


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def _binary(labels: np.ndarray, classes: np.ndarray) -> tuple[float, float]:
    true_positive = float(np.sum((classes == 1) & (labels == 1)))
    precision = true_positive / max(float(np.sum(classes == 1)), 1.0)
    recall = true_positive / max(float(np.sum(labels == 1)), 1.0)
    return precision, recall


def _f1(precision: float | np.ndarray, recall: float | np.ndarray):
    total = precision + recall
    return np.divide(2 * precision * recall, total, out=np.zeros_like(np.asarray(total, dtype=float)),
                     where=np.asarray(total) > 0)


def compute(name: str, predictions: np.ndarray, labels: np.ndarray) -> float:
    if name in ("mse", "rmse", "mae", "r2"):
        values = predictions if predictions.ndim == 1 else predictions.argmax(axis=1)
        error = values - labels
        if name == "mae":
            return float(np.mean(np.abs(error)))
        mse = float(np.mean(error**2))
        if name == "r2":
            spread = float(np.sum((labels - labels.mean()) ** 2))
            return 1.0 - float(np.sum(error**2)) / spread if spread else 0.0
        return mse if name == "mse" else mse**0.5
    classes = _classes(predictions)
    if name == "accuracy":
        return float(np.mean(classes == labels))
    if name in ("precision", "recall", "f1", "f1_binary"):
        precision, recall = _binary(labels, classes)
        return {"precision": precision, "recall": recall}.get(name, float(_f1(precision, recall)))
    true_positive, predicted, actual = _per_class(labels, classes)
    precisions, recalls = _ratio(true_positive, predicted), _ratio(true_positive, actual)
    if name == "balanced_accuracy":
        return float(np.mean(recalls[actual > 0]))
    if name.endswith("_micro"):
        return float(true_positive.sum() / max(actual.sum(), 1.0))  # precision = recall = accuracy
    if name == "precision_macro":
        return float(precisions.mean())
    if name == "recall_macro":
        return float(recalls.mean())
    return float(np.mean(_f1(precisions, recalls)))  # f1_macro


def custom_metric(names: list[str]) -> Callable | None:
    """An xgboost ``custom_metric`` computing ``names`` in the order given, or None for none."""
    if not names:
        return None

    def evaluate(predictions: np.ndarray, matrix) -> list[tuple[str, float]]:
        labels = matrix.get_label()
        return [(name, compute(name, predictions, labels)) for name in names]

    return evaluate


# The number a metric line carries, as the service's MetricDefinitions for XGBoost capture it.
METRIC_VALUE = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"


def metric_definitions(hyperparameters: Mapping[str, str]) -> list[dict[str, str]]:
    """The service's metric regexes for a job's metrics (its eval_metric), train and validation."""
    raw = hyperparameters.get("eval_metric", "")
    metrics = [metric for metric in re.split(r"[,\s]+", raw.strip("[]'\" ")) if metric] or []
    definitions = []
    for metric in metrics:
        metric = metric.strip("'\"")
        for data in ("train", "validation"):
            # The service's definitions, as user code copies them: a number, so that train's value stops
            # where "#011validation-..." follows it on the same line ((\S+) would take the rest).
            definitions.append({"Name": f"{data}:{metric}",
                                "Regex": f".*\\[[0-9]+\\].*#011{data}-{re.escape(metric)}:{METRIC_VALUE}.*"})
    return definitions
