"""Evaluation metrics against values worked out by hand (not re-derived with scikit-learn)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.evaluation.metrics import (
    classification_metrics,
    expected_calibration_error,
    multilabel_metrics,
    regression_metrics,
)

# five texts, classes (neg, pos); confidences .92 .96 .65 .75 .55; predicted neg pos pos neg pos
PROBS = np.array([[0.92, 0.08], [0.04, 0.96], [0.35, 0.65], [0.75, 0.25], [0.45, 0.55]])
GOLD = np.array([0, 0, 1, 0, 0])


def test_expected_calibration_error_by_hand():
    # bin (.9, 1]: A right, B wrong -> |0.5 - 0.94| * 2/5 = .176; (.6, .7]: C right -> .35/5 = .07;
    # (.7, .8]: D right -> .25/5 = .05; (.5, .6]: E wrong -> .55/5 = .11
    assert expected_calibration_error(PROBS, GOLD) == pytest.approx(0.406)
    assert expected_calibration_error(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1])) == 0.0


def test_classification_report_and_confusion_matrix_by_hand():
    metrics, details = classification_metrics(PROBS, GOLD, ["neg", "pos"])
    assert metrics["accuracy"] == pytest.approx(0.6)
    assert details["confusion_matrix"] == [[2, 2], [0, 1]]  # rows: gold, columns: predicted
    neg, pos = details["per_class"]["neg"], details["per_class"]["pos"]
    assert (neg["precision"], neg["recall"], neg["support"]) == (1.0, 0.5, 4.0)
    assert neg["f1-score"] == pytest.approx(2 / 3)
    assert (pos["precision"], pos["recall"], pos["support"]) == (pytest.approx(1 / 3), 1.0, 1.0)
    assert pos["f1-score"] == pytest.approx(0.5)
    assert metrics["f1_macro"] == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert metrics["f1_weighted"] == pytest.approx((4 * 2 / 3 + 1 * 1 / 2) / 5)
    assert metrics["ece"] == pytest.approx(0.406)


def test_a_class_never_seen_still_gets_a_row():
    probs3 = np.hstack([PROBS, np.zeros((5, 1))])
    metrics3, details3 = classification_metrics(probs3, GOLD, ["neg", "pos", "other"])
    assert details3["confusion_matrix"] == [[2, 2, 0], [0, 1, 0], [0, 0, 0]]
    assert details3["per_class"]["other"]["support"] == 0.0
    assert metrics3["f1_macro"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)


def test_regression_metrics_by_hand():
    metrics, _ = regression_metrics(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 5.0]))
    assert metrics["mse"] == pytest.approx(0.75)  # errors 0, -1, 1, -1
    assert metrics["mae"] == pytest.approx(0.75)
    assert metrics["r2"] == pytest.approx(1 - 3 / 8.75)  # SS_res 3, SS_tot 8.75 around mean 2.75
    assert metrics["pearson"] == pytest.approx(5.5 / np.sqrt(5 * 8.75))
    assert metrics["spearman"] == pytest.approx(1 - 6 * 2 / (4 * 15))  # rank differences 0, 1, -1, 0


def test_regression_with_constant_predictions_has_zero_correlation():
    metrics, _ = regression_metrics(np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0]))
    assert (metrics["pearson"], metrics["spearman"]) == (0.0, 0.0)
    assert metrics["mse"] == pytest.approx(2 / 3)


def test_multilabel_micro_macro_f1_and_subset_accuracy_by_hand():
    gold = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    # predicted at threshold 0.5 (inclusive): [1,0,0], [0,1,0], [1,0,1]
    probs = np.array([[0.9, 0.1, 0.4], [0.2, 0.8, 0.1], [0.7, 0.3, 0.5]])
    metrics, details = multilabel_metrics(probs, gold, ["a", "b", "c"])
    assert metrics["subset_accuracy"] == pytest.approx(1 / 3)  # only the second row is all right
    # per label: a tp2 -> F1 1; b tp1 fn1 -> 2/3; c fp1 fn1 -> 0; micro: tp3 fp1 fn2 -> P 3/4, R 3/5
    assert metrics["f1_macro"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert metrics["f1_micro"] == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))
    assert details["per_class"]["c"]["f1-score"] == 0.0
    assert details["per_class"]["b"]["recall"] == 0.5
