"""Task metrics, computed with scikit-learn/scipy so numbers match what people compute elsewhere."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


def expected_calibration_error(probabilities: np.ndarray, targets: np.ndarray, bins: int = 10) -> float:
    """ECE over equal-width confidence bins: how far confidence is from accuracy, on average."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == targets
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def classification_metrics(
    probabilities: np.ndarray, targets: np.ndarray, labels: list[str]
) -> tuple[dict[str, float], dict[str, Any]]:
    """Accuracy, macro/weighted F1 and ECE, plus a per-class report and confusion matrix."""
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    predicted = probabilities.argmax(axis=1)
    ids = list(range(len(labels)))
    metrics = {
        "accuracy": float(accuracy_score(targets, predicted)),
        "f1_macro": float(f1_score(targets, predicted, labels=ids, average="macro", zero_division=0)),
        "f1_weighted": float(f1_score(targets, predicted, labels=ids, average="weighted", zero_division=0)),
        "ece": expected_calibration_error(probabilities, targets),
    }
    report = classification_report(
        targets, predicted, labels=ids, target_names=labels, output_dict=True, zero_division=0
    )
    per_class = {name: {k: float(v) for k, v in report[name].items()} for name in labels if name in report}
    details = {
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(targets, predicted, labels=ids).tolist(),
        "labels": list(labels),
    }
    return metrics, details


def multilabel_metrics(
    probabilities: np.ndarray, targets: np.ndarray, labels: list[str], threshold: float = 0.5
) -> tuple[dict[str, float], dict[str, Any]]:
    """Micro/macro F1 and subset accuracy (every label of a row right) at a 0.5 threshold."""
    from sklearn.metrics import accuracy_score, classification_report, f1_score

    predicted = (probabilities >= threshold).astype(int)
    gold = targets.astype(int)
    metrics = {
        "f1_micro": float(f1_score(gold, predicted, average="micro", zero_division=0)),
        "f1_macro": float(f1_score(gold, predicted, average="macro", zero_division=0)),
        "subset_accuracy": float(accuracy_score(gold, predicted)),
    }
    report = classification_report(gold, predicted, target_names=labels, output_dict=True, zero_division=0)
    per_class = {name: {k: float(v) for k, v in report[name].items()} for name in labels if name in report}
    return metrics, {"per_class": per_class, "labels": list(labels)}


def regression_metrics(
    predictions: np.ndarray, targets: np.ndarray
) -> tuple[dict[str, float], dict[str, Any]]:
    """MSE, MAE, R², Pearson and Spearman correlation."""
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    predictions = predictions.reshape(-1)
    targets = targets.reshape(-1)
    constant = np.ptp(predictions) == 0 or np.ptp(targets) == 0
    metrics = {
        "mse": float(mean_squared_error(targets, predictions)),
        "mae": float(mean_absolute_error(targets, predictions)),
        "r2": _finite(r2_score(targets, predictions)) if len(targets) > 1 else 0.0,
        "pearson": 0.0 if constant else _finite(pearsonr(predictions, targets)[0]),
        "spearman": 0.0 if constant else _finite(spearmanr(predictions, targets)[0]),
    }
    return metrics, {}
