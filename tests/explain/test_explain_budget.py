"""Evaluation budgets: an explicit ``max_evals`` is taken literally, and "exact" means what shap does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from explain.core import explain_texts
from explain.explainers import partition_exact_evals
from explain.spec import ExplainSpec

TWENTY_TOKENS = (
    "the movie was really great , but the plot and the acting were quite dull and the music was boring ."
)
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "explain_speed.py"


@pytest.mark.parametrize("n_tokens", [1, 5, 20, 200])
def test_an_explicit_budget_is_taken_literally(n_tokens):
    assert ExplainSpec(max_evals=2000).budget_for(n_tokens) == 2000


def test_exact_count_is_n_n_minus_1_only_for_a_balanced_tree():
    balanced = np.array([[0, 1, 1, 2], [2, 3, 1, 2], [4, 5, 2, 4]], dtype=float)
    lopsided = np.array([[0, 1, 1, 2], [4, 2, 2, 3], [5, 3, 3, 4]], dtype=float)
    assert partition_exact_evals(balanced) == 4 * 3
    assert partition_exact_evals(lopsided) == 16 > 4 * 3 + 2
    assert partition_exact_evals(np.zeros((0, 4))) == 2


def test_the_exact_count_is_what_shap_uses_and_the_old_cap_fell_short(tiny_classifier):
    [exact] = explain_texts(
        tiny_classifier, [TWENTY_TOKENS], spec=ExplainSpec(max_evals=20000, use_cache=False)
    )
    n = len(exact.tokens)
    needed = partition_exact_evals(exact.clustering)
    assert exact.evals == needed  # the recursion finished on its own, well under the budget
    assert needed > n * (n - 1) + 2  # a text tree is not balanced: the old cap truncated the recursion
    [literal] = explain_texts(
        tiny_classifier, [TWENTY_TOKENS], spec=ExplainSpec(max_evals=2000, use_cache=False)
    )
    [capped] = explain_texts(
        tiny_classifier, [TWENTY_TOKENS], spec=ExplainSpec(max_evals=n * (n - 1) + 2, use_cache=False)
    )
    assert literal.evals == needed and np.array_equal(literal.values, exact.values)
    assert capped.evals == n * (n - 1) + 2 and not np.allclose(capped.values, exact.values, atol=1e-9)


@pytest.fixture()
def speed_script():
    spec = importlib.util.spec_from_file_location("explain_speed_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("explain_speed_benchmark", None)


def test_benchmark_targets_leave_nan_spearman_out_and_say_how_many(speed_script):
    nan = float("nan")
    rows = {
        "fast": [(0.5, 0.9, 200), (0.5, nan, 200), (0.7, 0.8, 200)],
        "precise": [(1.0, 0.99, 400)] * 3,
        "reference": [(3.0, 1.0, 900)] * 3,
        "pipeline": [],
    }
    checks = {name: (ok, detail) for name, ok, detail in speed_script.targets(rows, 3)}
    ok, detail = checks["fast agreement"]
    assert ok and detail == "mean Spearman 0.850 over 2 sentences (≥ 0.85); 1 NaN left out"
    assert checks["precise agreement"][1] == "mean Spearman 0.990 over 3 sentences (≥ 0.95)"
    fast_row = next(r for r in speed_script.summarise(rows) if r["method"] == "fast")
    assert fast_row["mean rho"] == pytest.approx(0.85) and fast_row["NaN rho"] == 1


def test_benchmark_runs_the_pipeline_baseline_on_every_sentence_by_default(speed_script, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["explain_speed.py", "--n", "7"])
    assert speed_script.parse_args().pipeline_n is None  # main() then uses --n
    assert "--pipeline-n" in BENCHMARK.read_text() and "args.pipeline_n = args.n" in BENCHMARK.read_text()
