"""Progress and agreement numbers, checked against a hand-computed example."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.review import compute_stats, create_queue, queue_stats, record_decision
from workbench.review.queue import SUGGESTERS, Suggestions
from workbench.tasks import Prediction

PAIRS = [  # (suggested, analyst) for the ten reviewed items
    ("a", "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("b", "b"),
    ("b", "a"), ("c", "c"), ("c", "b"), ("a", "a"), ("b", "b"),
]  # fmt: skip


def _items() -> pd.DataFrame:
    rows = [
        {
            "suggested_label": s,
            "gold_label": g,
            "status": "accepted" if s == g else "corrected",
            "reviewer": "ana" if i < 6 else "bob",
        }
        for i, (s, g) in enumerate(PAIRS)
    ]
    rows += [
        {"suggested_label": "a", "gold_label": None, "status": "skipped", "reviewer": "bob"},
        {"suggested_label": "c", "gold_label": None, "status": "pending", "reviewer": None},
    ]
    return pd.DataFrame(rows)


def test_hand_computed_example():
    stats = compute_stats(_items(), ["a", "b", "c"])
    assert {k: stats[k] for k in ("total", "reviewed", "pending", "skipped", "accepted", "corrected")} == {
        "total": 12,
        "reviewed": 10,
        "pending": 1,
        "skipped": 1,
        "accepted": 7,
        "corrected": 3,
    }
    assert stats["progress_text"] == "10 of 12 reviewed"
    assert stats["fraction_reviewed"] == 0.8333
    assert stats["agreement"] == 0.7
    assert stats["per_label"] == [
        {"label": "a", "suggested": 4, "kept": 3, "gold": 4, "precision": 0.75, "recall": 0.75},
        {"label": "b", "suggested": 4, "kept": 3, "gold": 5, "precision": 0.75, "recall": 0.6},
        {"label": "c", "suggested": 2, "kept": 1, "gold": 1, "precision": 0.5, "recall": 1.0},
    ]
    assert stats["corrections"] == [
        {"suggested": "a", "corrected_to": "b", "count": 1},
        {"suggested": "b", "corrected_to": "a", "count": 1},
        {"suggested": "c", "corrected_to": "b", "count": 1},
    ]
    # p_o = 0.7; p_e = .4*.4 + .4*.5 + .2*.1 = 0.38; kappa = (0.7 - 0.38) / (1 - 0.38)
    assert stats["kappa"] == round(0.32 / 0.62, 4) == 0.5161
    assert stats["kappa_note"] == "Cohen's kappa over 10 reviewed items"
    assert stats["reviewers"] == {"ana": 6, "bob": 4}


def test_kappa_is_withheld_when_it_means_nothing():
    few = _items().iloc[:5]
    assert (
        compute_stats(few, ["a", "b", "c"])["kappa_note"] == "kappa needs at least 10 reviewed items (have 5)"
    )
    same = pd.DataFrame(
        {
            "suggested_label": ["a"] * 10,
            "gold_label": ["a"] * 10,
            "status": ["accepted"] * 10,
            "reviewer": ["x"] * 10,
        }
    )
    stats = compute_stats(same, ["a", "b"])
    assert (stats["kappa"], stats["agreement"]) == (None, 1.0)
    assert (
        stats["kappa_note"] == "kappa is undefined when every suggestion and every decision is the same label"
    )


def test_empty_queue_has_no_ratios():
    empty = _items().iloc[10:11]  # one skipped item
    stats = compute_stats(empty, ["a", "b", "c"])
    assert (stats["agreement"], stats["per_label"][0]["precision"], stats["kappa"]) == (None, None, None)


def test_queue_stats_reads_the_store(monkeypatch):
    def suggest(spec, texts, pairs, progress):
        return Suggestions([Prediction("a", 0.9, {"a": 0.9, "b": 0.1}) for _ in texts], ["a", "b"], "fake")

    monkeypatch.setitem(SUGGESTERS, "zero-shot", suggest)
    create_queue("q", pd.DataFrame({"text": ["x", "y", "z"]}), text_col="text", labels=["a", "b"])
    record_decision("q", 1, "a", reviewer="ana")
    record_decision("q", 2, "b", reviewer="ana")
    stats = queue_stats("q")
    assert (stats["name"], stats["suggested_by"], stats["progress_text"], stats["agreement"]) == (
        "q",
        "fake",
        "2 of 3 reviewed",
        pytest.approx(0.5),
    )
