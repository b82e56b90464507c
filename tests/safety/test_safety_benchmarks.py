"""The safety benchmarks' own arithmetic: K-fold assignment and rates, and the Presidio column when
Presidio could not run (the table must say why, not show numbers it does not have)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import safety_eval
import safety_injection_folds as folds


def test_stratified_folds_use_every_row_once_and_keep_the_share_of_injections():
    labels = [1] * 30 + [0] * 70
    parts = folds.stratified_folds(labels, 5, seed=3)
    assert sorted(i for part in parts for i in part) == list(range(100))
    assert [sum(labels[i] for i in part) for part in parts] == [6] * 5
    assert [len(part) for part in parts] == [20] * 5
    assert folds.stratified_folds(labels, 5, seed=3) == parts  # deterministic by seed


def test_rates_are_recall_on_injections_and_false_alarms_on_benign_rows():
    assert folds.rates([1, 1, 1, 1, 0, 0], [True, True, True, False, True, False]) == (0.75, 0.5)


def test_fold_table_ends_with_the_mean_and_spread_of_every_system():
    one = {"patterns": (0.5, 0.0), "classifier": (0.9, 0.02), "patterns + classifier": (0.95, 0.02)}
    two = {"patterns": (0.7, 0.0), "classifier": (0.9, 0.0), "patterns + classifier": (0.97, 0.0)}
    mean_row = folds.format_folds([one, two]).splitlines()[-1]
    assert mean_row.split()[:4] == ["mean", "|", "0.600±0.141", "0.000±0.000"]


@pytest.mark.parametrize("why", ["Presidio not installed (presidio_analyzer): `pip install ...` to compare"])
def test_presidio_column_says_why_it_did_not_run(why):
    ours = {category: safety_eval.Counts(1, 1, 1, 1) for category in (*safety_eval.CATEGORIES, "all")}
    table = safety_eval.format_table({"workbench.safety": ours, "presidio": None}, why)
    assert "not run" in table.splitlines()[3]
    assert table.splitlines()[-1] == f"presidio not run: {why}"
