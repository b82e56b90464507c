"""Runs a UI can start, poll, cancel and resume; one training job at a time."""

from __future__ import annotations

import threading
import time

import pytest
from toy_data import write_sentiment_csv

from workbench.errors import RunError
from workbench.models.registry import Registry
from workbench.training.runs import (
    TrainingSlot,
    create_run,
    execute_run,
    get_run,
    queue_position,
    resume_run,
    start_run,
)
from workbench.training.spec import TrainSpec


@pytest.fixture()
def spec(tiny_bert_dir, tmp_path) -> TrainSpec:
    data = write_sentiment_csv(tmp_path, n=120)
    return TrainSpec(
        train_data=str(data),
        base_model=str(tiny_bert_dir),
        name="run-test",
        epochs=4,
        batch_size=8,
        learning_rate=3e-3,
        evals_per_epoch=2,
    )


def test_cancel_saves_a_checkpoint_and_resume_finishes(spec):
    run = create_run(spec)

    def cancel_at_step_5(event):
        if event.kind == "step" and event.step >= 5:
            run.request_cancel()

    execute_run(run, extra_progress=cancel_at_step_5)
    status = run.status()
    assert status["state"] == "cancelled"
    assert run.has_checkpoint()
    assert Registry().list() == []  # nothing half-trained is listed
    resume_run(run.id, in_process=True)
    status = run.status()
    assert status["state"] == "completed", status
    assert Registry().get(status["model_id"]).name == "run-test"
    steps = [e["step"] for e in run.events() if e["kind"] == "step"]
    assert steps[-1] == status["total_steps"]
    assert min(s for s in steps if s > 5) > 5  # resumed after the checkpoint, not from scratch


def test_resume_refuses_a_run_that_was_not_cancelled(spec):
    run = create_run(spec)
    with pytest.raises(RunError, match=r"is queued; only a cancelled run can be resumed"):
        resume_run(run.id)


def test_a_second_job_waits_in_the_queue_and_can_be_cancelled_there(spec):
    slot = TrainingSlot()
    assert slot.acquire(lambda: False)
    try:
        run = create_run(spec)
        worker = threading.Thread(target=execute_run, args=(run,))
        worker.start()
        time.sleep(1.0)
        assert run.status()["state"] == "queued"
        assert queue_position(run) == 0  # no other queued run ahead of it
        run.request_cancel()
        worker.join(timeout=10)
        assert run.status()["state"] == "cancelled"
        assert run.status()["message"] == "cancelled while queued"
    finally:
        slot.release()


def test_worker_process_trains_and_reports(spec):
    run = start_run(spec, owner="test")
    deadline = time.time() + 240
    while run.status().get("state") in ("queued", "running") and time.time() < deadline:
        time.sleep(1)
    status = run.status()
    assert status["state"] == "completed", run.log_tail()
    assert status["metrics"]["accuracy"] >= 0.8
    assert get_run(run.id).spec() == spec
    assert any(e["kind"] == "eval" for e in run.events())


def test_failed_run_records_the_user_error(spec, tmp_path):
    bad = TrainSpec(**{**spec.to_dict(), "train_data": str(tmp_path / "missing.csv")})
    run = create_run(bad)
    execute_run(run)
    status = run.status()
    assert status["state"] == "failed"
    assert "missing.csv" in status["error"]
