"""Compare: build variants of a model, measure them, Pareto plots, deploy pick."""

from __future__ import annotations

import time

import pytest
import torch
from toy_data import write_sentiment_csv
from ui_helpers import chart_specs, open_page, texts

from workbench.data import ColumnMap
from workbench.models.registry import Registry
from workbench.ui.session import DatasetChoice

variants = pytest.importorskip("workbench.variants")


def _toy_dataset(folder) -> DatasetChoice:
    path = write_sentiment_csv(folder, n=60, seed=3)
    return DatasetChoice(path=str(path), name="toy", columns=ColumnMap(text="text", label="label"))


def test_without_models_says_to_train_first():
    at = open_page("pages/compare.py")
    assert "No fine-tuned model yet" in texts(at.info)[0]


def test_build_measure_and_deploy_a_variant(toy_model_id, tmp_path):
    at = open_page("pages/compare.py", active_model=toy_model_id, dataset=_toy_dataset(tmp_path))
    at.text_input(key="compare.typed").input("fp16, drop-layers:2").run()
    at.button(key="compare.build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    built = [r for r in Registry().list() if r.parent == toy_model_id]
    assert sorted(r.recipe.get("variant") for r in built) == ["drop-layers", "fp16"]
    assert texts(at.success)[0].startswith("Built ")
    at.button(key="compare.measure").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table, more = at.dataframe[-2].value, at.dataframe[-1].value  # the main table, "More measurements"
    assert table["model_id"].tolist()[0] == toy_model_id and len(table) == 3
    assert {"metric_value", "metric_delta", "throughput_rps", "size_mb", "agreement"} <= set(table.columns)
    assert set(table.columns) | set(more.columns) == set(variants.COMPARISON_COLUMNS)  # nothing hidden
    assert {"params", "peak_mem_mb", "latency_ms_p95", "mean_abs_dprob", "notes"} <= set(more.columns)
    assert more["model_id"].tolist() == table["model_id"].tolist()
    measured = Registry().get(toy_model_id).extra["comparison"]
    day = time.strftime("%Y-%m-%d", time.localtime(measured["measured_at"]))
    [caption] = [c for c in texts(at.caption) if c.startswith("Measured ")]
    assert (
        day in caption and measured["machine"]["cpu"] in caption and f"torch {torch.__version__}" in caption
    )
    assert f"on {measured['data']['rows']} rows of " in caption
    specs = " ".join(chart_specs(at))
    assert "Accuracy vs throughput" in specs and "Accuracy vs size on disk" in specs
    variant = table["model_id"].tolist()[1]
    at.selectbox(key="compare.deploy_pick").set_value(variant).run()
    at.button(key="compare.deploy").click().run()
    assert at.session_state["active_model"] == variant
    assert f"`{variant}` is now the active model." in texts(at.success)


def test_bad_recipe_says_which_variants_exist(toy_model_id):
    at = open_page("pages/compare.py", active_model=toy_model_id)
    at.text_input(key="compare.typed").input("int9").run()
    at.button(key="compare.build").click().run()
    assert texts(at.error)[0].startswith("Unknown variant 'int9'") and "int8" in texts(at.error)[0]
    assert [r.id for r in Registry().list()] == [toy_model_id]


def test_says_plainly_when_the_variants_package_is_missing(monkeypatch, toy_model_id):
    import workbench.ui.resources as resources

    real = resources.optional_module
    monkeypatch.setattr(
        resources,
        "optional_module",
        lambda name, *a: None if name == "workbench.variants" else real(name, *a),
    )
    at = open_page("pages/compare.py", active_model=toy_model_id)
    assert texts(at.info) == [
        "Variants are not available yet: the `workbench.variants` package is not installed."
    ]
    assert not at.button


def test_build_button_is_enabled_again_after_a_build(toy_model_id):
    at = open_page("pages/compare.py", active_model=toy_model_id)
    at.text_input(key="compare.typed").input("int8").run()
    assert at.button(key="compare.build").label == "Build 1 variant(s)"
    at.button(key="compare.build").click().run()
    assert texts(at.success)[0].startswith("Built ")
    assert not at.button(key="compare.build").disabled


def test_build_button_while_building_is_drawn_disabled(toy_model_id, monkeypatch):
    import workbench.variants as variants_module

    drawn = {}

    def stop_mid_build(*args, **kwargs):
        raise RuntimeError("interrupted mid-build")

    monkeypatch.setattr(variants_module, "build_variant", stop_mid_build)
    at = open_page("pages/compare.py", active_model=toy_model_id)
    at.text_input(key="compare.typed").input("int8").run()
    at.button(key="compare.build").click().run()
    button = at.button(key="compare.build")
    drawn["label"], drawn["disabled"] = button.label, button.disabled
    assert drawn == {"label": "Building…", "disabled": True}  # what the page showed during the build
    at.text_input(key="compare.typed").input("int8").run()
    assert not at.button(key="compare.build").disabled  # the next interaction re-enables it


def test_pareto_axes_read_as_percent_and_units(toy_model_id):
    import pandas as pd

    import workbench.variants as variants_module

    table = pd.DataFrame(
        {
            "model_id": ["a", "b"],
            "variant": ["original", "int8"],
            "metric": ["accuracy", "accuracy"],
            "metric_value": [0.966667, 0.95],
            "throughput_rps": [120.123, 250.5],
            "size_mb": [90.4, 23.1],
            "agreement": [1.0, 0.98],
            "speedup": [1.0, 2.08],
        }
    )
    spec = variants_module.plot_accuracy_vs_throughput(table).to_dict()
    encodings = [layer["encoding"] for layer in spec["layer"]]
    assert {e["y"]["axis"]["format"] for e in encodings} == {".1%"}
    assert {e["x"]["axis"]["format"] for e in encodings} == {",.0f"}
    size = variants_module.plot_accuracy_vs_size(table).to_dict()
    assert {layer["encoding"]["x"]["axis"]["format"] for layer in size["layer"]} == {",.1f"}
