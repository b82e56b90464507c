"""Variant builds as queued jobs: the spec checked up front, one build per model at a time, the
worker's outcome in the run folder, cancel between variants and inside a distillation."""

from __future__ import annotations

import re

import pytest
from toy_data import write_sentiment_csv

from workbench.data import ColumnMap
from workbench.errors import RegistryError, RunError, SpecError
from workbench.models.registry import Registry
from workbench.training import runs
from workbench.variants import jobs


def test_bad_recipes_are_all_refused_before_anything_is_queued(toy_model_id):
    with pytest.raises(SpecError, match=re.escape("Invalid variant: int9: Unknown variant 'int9'")) as info:
        jobs.BuildJobSpec(toy_model_id, ("int9", "int8", "drop-layers:0"))
    assert [p.split(":")[0] for p in info.value.problems] == ["int9", "drop-layers"]
    assert runs.list_runs() == []


def test_a_second_build_of_the_same_model_is_refused_while_one_is_queued(toy_model_id):
    first = jobs.start_build(jobs.BuildJobSpec(toy_model_id, ("int8",)), owner="s1", launch=False)
    assert jobs.active_build(toy_model_id).id == first.id
    assert first.kind == "variant" and first.status()["recipes"] == ["int8"]
    with pytest.raises(RunError, match=re.escape(f"already being built (job {first.id}); wait for it")):
        jobs.start_build(jobs.BuildJobSpec(toy_model_id, ("fp16",)), owner="s2", launch=False)
    assert runs.list_runs(kind="train") == []  # the Train page's list stays training-only


def test_unknown_model_is_refused_before_queueing():
    with pytest.raises(RegistryError, match="nope"):
        jobs.start_build(jobs.BuildJobSpec("nope", ("int8",)), launch=False)
    assert runs.list_runs() == []


def test_job_builds_each_recipe_and_records_them(toy_model_id):
    run = jobs.start_build(jobs.BuildJobSpec(toy_model_id, ("int8", "fp16")), owner="s1", launch=False)
    runs.execute_run(run)  # what the worker process does: wait for the CPU slot, then build
    status = run.status()
    assert status["state"] == "completed" and status["fraction"] == 1.0
    assert status["built"] == [f"{toy_model_id}-int8", f"{toy_model_id}-fp16"]
    assert {r.id for r in Registry().list() if r.parent == toy_model_id} == set(status["built"])
    assert "saved variant" in run.log_file.read_text() or run.events()
    assert jobs.active_build(toy_model_id) is None


def test_cancel_before_start_builds_nothing(toy_model_id):
    run = jobs.start_build(jobs.BuildJobSpec(toy_model_id, ("int8",)), owner="s1", launch=False)
    runs.cancel_run(run.id, owner="s1")
    runs.execute_run(run)
    assert run.status()["state"] == "cancelled" and run.status()["built"] == []
    assert [r.id for r in Registry().list()] == [toy_model_id]


def test_cancel_inside_a_distillation_keeps_earlier_variants_and_leaves_no_half_student(
    toy_model_id, tmp_path
):
    data = write_sentiment_csv(tmp_path, n=80, seed=5)
    spec = jobs.BuildJobSpec(
        toy_model_id,
        ("int8", "distill:1"),
        {"epochs": 5.0, "batch_size": 8},
        data=str(data),
        columns=ColumnMap("text", "label").to_dict(),
    )
    run = jobs.start_build(spec, owner="s1", launch=False)

    def cancel_at_first_step(event):
        if event.kind == "step":
            run.request_cancel()

    runs.execute_run(run, extra_progress=cancel_at_first_step)
    status = run.status()
    assert (status["state"], status["built"]) == ("cancelled", [f"{toy_model_id}-int8"])
    assert status["message"] == f"cancelled; kept {toy_model_id}-int8"
    assert sorted(r.id for r in Registry().list()) == sorted([toy_model_id, f"{toy_model_id}-int8"])
    assert not list(Registry().root.glob(".staging*")) and not list(Registry().root.glob("*distill*"))


def test_progress_text_names_the_recipe_and_its_steps():
    status = {
        "state": "running",
        "recipes": ["int8", "distill:3"],
        "built": ["m-int8"],
        "current": "distill:3",
    }
    status |= {"index": 1, "step": 30, "total_steps": 120}
    assert jobs.build_progress_text(status) == "Building distill:3 (2 of 2) · step 30 of 120"
    assert jobs.build_fraction(status) == pytest.approx((1 + 0.25) / 2)


def test_cli_queue_returns_at_once_and_runs_show_names_what_was_built(toy_model_id, monkeypatch, capsys):
    import json

    from workbench.cli.main import main

    launched = []
    monkeypatch.setattr(runs, "launch_worker", lambda run, resume=False: launched.append(run.id))
    assert main(["compress", toy_model_id, "--variant", "int8", "--queue", "--json"]) == 0
    queued = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert queued["state"] == "queued" and launched == [queued["job_id"]]
    assert [r.id for r in Registry().list()] == [toy_model_id]  # nothing built in the command itself
    runs.execute_run(runs.get_run(queued["job_id"]))  # the worker's part
    assert main(["runs", "show", queued["job_id"]]) == 0
    assert f"completed  {toy_model_id}-int8" in capsys.readouterr().out
    assert main(["compress", toy_model_id, "--variant", "int8", "--queue", "--name", "x"]) == 2
    assert "--name cannot be used with --queue" in capsys.readouterr().err
