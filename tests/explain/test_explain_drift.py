"""Explanation drift between two different models (a model against itself is in test_explain_toy)."""

from __future__ import annotations

import numpy as np
import pytest

from explain.drift import explanation_drift, rank_correlation
from explain.spec import ExplainSpec
from workbench.errors import IncompatibleError

TEXTS = ["the movie was great but the plot was slow", "a boring film", "i loved the music and the acting"]
SPEC = ExplainSpec(max_evals=60)


def test_two_different_models_drift_and_the_report_says_where(publish):
    a = publish("classification", ["neg", "pos"], name="model-a", seed=0)
    b = publish("classification", ["neg", "pos"], name="model-b", seed=1)
    report = explanation_drift(a, b, TEXTS, spec=SPEC)
    rhos = [e.rank_correlation for e in report.examples]
    assert all(-1.0 <= r <= 1.0 for r in rhos) and report.mean_rank_correlation < 0.99
    assert report.mean_rank_correlation == pytest.approx(np.mean(rhos))
    changed = report.most_changed(2)
    assert [e.rank_correlation for e in changed] == sorted(rhos)[:2]
    table = report.table()
    assert list(table.columns[:6]) == [
        "text",
        "label",
        "prediction_a",
        "prediction_b",
        "same_label",
        "rank_correlation",
    ]
    assert report.to_dict()["model_b"] == "model-b"


def test_models_without_shared_labels_cannot_be_compared(publish):
    a = publish("classification", ["neg", "pos"], name="model-a")
    b = publish("classification", ["no", "yes"], name="model-b")
    with pytest.raises(
        IncompatibleError, match=r"^Models 'model-a' and 'model-b' do not share labels \(neg, pos missing"
    ):
        explanation_drift(a, b, TEXTS, spec=SPEC)


def test_rank_correlation_edge_cases():
    assert rank_correlation(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])) == pytest.approx(-1.0)
    assert rank_correlation(np.zeros(3), np.zeros(3)) == 1.0
    assert rank_correlation(np.zeros(3), np.array([1.0, 2.0, 3.0])) == 0.0
    assert np.isnan(rank_correlation(np.array([1.0]), np.array([2.0])))
