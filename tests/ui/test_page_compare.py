"""Compare: build variants of a model, measure them, Pareto plots, deploy pick."""

from __future__ import annotations

import time

import pytest
import torch
from toy_data import write_sentiment_csv
from ui_helpers import chart_specs, open_page, texts

from workbench.data import ColumnMap
from workbench.models.registry import Registry
from workbench.training import runs
from workbench.ui.session import DatasetChoice

variants = pytest.importorskip("workbench.variants")


def _toy_dataset(folder) -> DatasetChoice:
    path = write_sentiment_csv(folder, n=60, seed=3)
    return DatasetChoice(path=str(path), name="toy", columns=ColumnMap(text="text", label="label"))


def test_without_models_says_to_train_first():
    at = open_page("pages/compare.py")
    assert "No fine-tuned model yet" in texts(at.info)[0]


def _wait_until_finished(run_id: str, seconds: float = 240) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        state = runs.get_run(run_id).status().get("state")
        if state in runs.FINAL_STATES:
            return state
        time.sleep(0.5)
    raise AssertionError(f"job {run_id} still {state} after {seconds} s: {runs.get_run(run_id).log_tail()}")


def test_build_is_queued_in_a_worker_and_its_variants_appear_when_done(toy_model_id, tmp_path):
    at = open_page("pages/compare.py", active_model=toy_model_id, dataset=_toy_dataset(tmp_path))
    at.text_input(key="compare.typed").input("fp16, drop-layers:2").run()
    at.button(key="compare.build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    job_id = at.session_state["compare.job"]
    assert runs.get_run(job_id).kind == "variant"
    assert runs.get_run(job_id).status()["owner"] == at.session_state["session_id"]
    assert _wait_until_finished(job_id) == "completed"  # a worker process built them, not the page
    at.run()
    built = [r for r in Registry().list() if r.parent == toy_model_id]
    assert sorted(r.recipe.get("variant") for r in built) == ["drop-layers", "fp16"]
    assert (
        texts(at.success)[0]
        == f"Built {toy_model_id}-fp16, {toy_model_id}-drop2. Measure them below to compare."
    )
    assert not at.button(key="compare.build").disabled  # enabled again once the build has ended
    assert f"`{toy_model_id}-fp16`" in " ".join(texts(at.caption))  # listed among the model's variants


def test_measure_and_deploy_a_variant(toy_model_id, tmp_path):
    for recipe in ("fp16", "drop-layers:2"):
        variants.build_variant(toy_model_id, recipe)
    at = open_page("pages/compare.py", active_model=toy_model_id, dataset=_toy_dataset(tmp_path))
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


def _running_build(model_id: str, owner: str) -> runs.RunDir:
    """A build job as its worker reports it mid-distillation (no worker: within the launch grace)."""
    from workbench.variants import jobs

    job = jobs.start_build(jobs.BuildJobSpec(model_id, ("int8", "distill:2")), owner=owner, launch=False)
    job.set_status(state="running", current="distill:2", index=1, built=[f"{model_id}-int8"])
    job.set_status(step=30, total_steps=120)
    return job


def test_running_build_shows_progress_disables_the_button_and_survives_leaving_the_page(toy_model_id):
    job = _running_build(toy_model_id, owner="s1")
    # a fresh page load (the user left and came back): nothing in session state but the session id
    at = open_page("pages/compare.py", active_model=toy_model_id, session_id="s1")
    [bar] = at.get("progress")
    assert bar.proto.text == "Building distill:2 (2 of 2) · step 30 of 120"
    assert bar.proto.value == 62  # one of two built, a quarter of the second
    at.text_input(key="compare.typed").input("fp16").run()
    button = at.button(key="compare.build")
    assert (button.label, button.disabled) == ("Building…", True)  # no second build of this model
    at.button(key=f"compare.cancel-{job.id}").click().run()
    assert job.cancel_requested()
    assert "Cancel requested: the build stops at the next step." in [t.proto.body for t in at.toast]


def test_another_sessions_build_disables_the_button_without_naming_it(toy_model_id):
    job = _running_build(toy_model_id, owner="s1")
    at = open_page("pages/compare.py", active_model=toy_model_id, session_id="s2")
    assert "being built in another session" in texts(at.info)[0]
    assert not at.get("progress") and f"compare.cancel-{job.id}" not in [b.key for b in at.button]
    assert at.button(key="compare.build").disabled


def test_cancelled_and_failed_builds_say_what_happened(toy_model_id):
    job = _running_build(toy_model_id, owner="s1")
    job.set_status(state="cancelled", built=[f"{toy_model_id}-int8"])
    at = open_page("pages/compare.py", active_model=toy_model_id, session_id="s1", **{"compare.job": job.id})
    assert f"Build cancelled. Kept the variants finished before: {toy_model_id}-int8." in texts(at.info)
    job.set_status(state="failed", error="Building distill:2 failed: distill:2 trains on your data")
    at.run()
    assert texts(at.error) == ["Building distill:2 failed: distill:2 trains on your data"]


def test_bad_recipe_says_which_variants_exist(toy_model_id):
    at = open_page("pages/compare.py", active_model=toy_model_id)
    at.text_input(key="compare.typed").input("int9").run()
    at.button(key="compare.build").click().run()
    assert texts(at.error)[0].startswith("Unknown variant 'int9'") and "int8" in texts(at.error)[0]
    assert [r.id for r in Registry().list()] == [toy_model_id] and runs.list_runs() == []
    assert not at.button(key="compare.build").disabled


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
