"""The measured comparison: every column, saved with the models, Pareto front, figures, CLI."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from toy_data import write_sentiment_csv

from workbench.cli.main import main
from workbench.data import ColumnMap
from workbench.errors import RegistryError
from workbench.models.registry import Registry
from workbench.variants import (
    COLUMN_HELP,
    COMPARISON_COLUMNS,
    build_variant,
    compare_models,
    pareto_front,
    plot_accuracy_vs_size,
    plot_accuracy_vs_throughput,
)

FAST = {"rounds": 1, "latency_rows": 3, "threads": 1}


@pytest.fixture()
def toy_family(toy_model_id, tmp_path) -> tuple[str, str]:
    build_variant(toy_model_id, "drop-layers:2+int8")
    return toy_model_id, str(write_sentiment_csv(tmp_path, n=48, seed=5))


def test_comparison_has_every_column_and_saves_it_with_the_models(toy_family):
    model_id, data = toy_family
    table = compare_models(model_id, "all", data, ColumnMap("text", "label"), **FAST)
    assert tuple(table.columns) == COMPARISON_COLUMNS and set(COLUMN_HELP) == set(COMPARISON_COLUMNS)
    assert table["model_id"].tolist() == ["toy", "toy-drop2", "toy-drop2-int8"]
    assert table["variant"].tolist() == ["original", "drop-layers:2", "drop-layers:2+int8"]
    reference = table.iloc[0]
    assert (reference["speedup"], reference["agreement"], reference["metric_delta"]) == (1.0, 1.0, 0.0)
    assert reference["mean_abs_dprob"] == 0.0 and reference["metric"] == "accuracy"
    assert (table[["params", "size_mb", "latency_ms_p50", "throughput_rps"]] > 0).all().all()
    assert (table["latency_ms_p95"] >= table["latency_ms_p50"]).all()
    assert table["peak_mem_mb"].notna().all() and (table["peak_mem_mb"] > 0).all()
    assert table["params"].iloc[2] == table["params"].iloc[1] < table["params"].iloc[0]
    assert table["size_mb"].iloc[2] < table["size_mb"].iloc[1]
    assert table["compute"].tolist()[2] == "int8 dynamic (PyTorch)"

    saved = Registry().get("toy-drop2-int8")
    comparison = saved.extra["comparison"]
    assert {"cpu", "cores", "torch", "threads"} <= set(comparison["machine"])
    assert comparison["machine"]["threads"] == 1 and comparison["data"]["rows"] == 48
    assert comparison["row"]["model_id"] == "toy-drop2-int8" and len(comparison["table"]) == 3
    assert saved.metrics["accuracy"] == pytest.approx(table["metric_value"].iloc[2])
    assert "comparison" in Registry().get("toy").extra


def test_unknown_variant_ids_are_all_named(toy_family):
    model_id, data = toy_family
    with pytest.raises(RegistryError) as caught:
        compare_models(model_id, "toy-nope,toy-drop2,other", data, ColumnMap("text", "label"), **FAST)
    assert caught.value.problems == [
        "No model 'toy-nope' in the workspace; list them with `workbench models`.",
        "No model 'other' in the workspace; list them with `workbench models`.",
    ]


def test_all_variants_of_a_model_without_any(toy_model_id, tmp_path):
    data = str(write_sentiment_csv(tmp_path, n=20))
    with pytest.raises(RegistryError, match=re.escape("'toy' has no variants yet; build one first")):
        compare_models(toy_model_id, "all", data, ColumnMap("text", "label"), **FAST)


def test_pareto_front_uses_each_columns_direction():
    table = pd.DataFrame(
        {
            "variant": ["a", "b", "c", "d"],
            "metric": ["accuracy"] * 4,
            "metric_value": [0.92, 0.91, 0.90, 0.85],
            "throughput_rps": [100.0, 150.0, 140.0, 300.0],
            "size_mb": [90.0, 60.0, 20.0, 30.0],
        }
    )
    assert pareto_front(table, "throughput_rps", "metric_value").tolist() == [True, True, False, True]
    assert pareto_front(table, "size_mb", "metric_value").tolist() == [True, True, True, False]
    assert pareto_front(table, "size_mb", "metric_value", x_higher=True).tolist() == [
        True,
        False,
        False,
        False,
    ]


def test_figures_are_altair_charts_with_the_front_marked():
    table = pd.DataFrame(
        {
            "model_id": ["m", "m-int8"],
            "variant": ["original", "int8"],
            "metric": ["accuracy"] * 2,
            "metric_value": [0.9, 0.89],
            "throughput_rps": [100.0, 140.0],
            "size_mb": [90.0, 60.0],
            "agreement": [1.0, 0.98],
            "speedup": [1.0, 1.4],
        }
    )
    for chart in (plot_accuracy_vs_throughput(table), plot_accuracy_vs_size(table)):
        spec = chart.to_dict()
        assert len(spec["layer"]) == 3
        assert "Pareto front" in json.dumps(spec)


def test_cli_compress_then_compare_json(toy_model_id, tmp_path, capsys):
    data = str(write_sentiment_csv(tmp_path, n=32, seed=2))
    assert main(["compress", toy_model_id, "--variant", "int8", "--json"]) == 0
    built = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert built["model_id"] == "toy-int8" and built["parent"] == "toy"
    code = main(
        [
            "compare",
            toy_model_id,
            "--variants",
            "toy-int8",
            "--data",
            data,
            "--rounds",
            "1",
            "--latency-rows",
            "2",
            "--threads",
            "1",
            "--no-memory",
            "--json",
        ]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["model_id"] for r in rows] == ["toy", "toy-int8"]
    for key in (
        "model_id",
        "variant",
        "params",
        "size_mb",
        "latency_ms_p50",
        "throughput_rps",
        "metric",
        "metric_value",
        "agreement",
    ):
        assert key in rows[1]
    assert rows[1]["peak_mem_mb"] is None  # --no-memory


def test_cli_reports_a_bad_variant_in_one_line(toy_model_id, capsys):
    assert main(["compress", toy_model_id, "--variant", "drop-layers:9"]) == 2
    err = capsys.readouterr().err
    assert "error: drop-layers:9 keeps 9 layers but 'toy' has only 4; choose K from 1 to 3." in err
    assert main(["compress", toy_model_id, "--variant", "prune:2"]) == 2
    assert "S is the share of weights to remove" in capsys.readouterr().err


def test_timing_is_interleaved_with_a_different_model_first_each_round():
    from workbench.variants.measure import interleaved_times

    calls: list[str] = []
    times = interleaved_times({k: (lambda k=k: calls.append(k)) for k in "abc"}, rounds=3)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert {k: len(v) for k, v in times.items()} == {"a": 3, "b": 3, "c": 3}
