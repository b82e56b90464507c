"""Runs a UI can start, poll, cancel and resume; one training job at a time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from toy_data import write_sentiment_csv

from workbench.errors import RunError
from workbench.models.registry import Registry
from workbench.training.runs import (
    WORKER_LOST,
    TrainingSlot,
    cancel_run,
    create_run,
    execute_run,
    get_run,
    queue_position,
    resume_run,
    start_run,
)
from workbench.training.spec import TrainSpec
from workbench.training.worker import WORKER_FILE, record_worker


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
    assert not run.checkpoints.exists()  # the model is published: its checkpoints are deleted


def test_resume_refuses_a_run_that_was_not_cancelled(spec):
    run = create_run(spec)
    with pytest.raises(RunError, match=r"is queued; only a cancelled or failed run can be resumed"):
        resume_run(run.id)


def _wait_for_state(run, states, seconds: float = 20) -> dict:
    deadline = time.time() + seconds
    while run.status().get("state") not in states and time.time() < deadline:
        time.sleep(0.2)
    return run.status()


def test_a_run_whose_worker_died_is_reported_failed_and_resumes_from_its_checkpoint(spec):
    run = create_run(TrainSpec(**{**spec.to_dict(), "epochs": 1.0}))  # ~14 steps: a checkpoint at 5

    def cancel_at_step_5(event):
        if event.kind == "step" and event.step >= 5:
            run.request_cancel()

    execute_run(run, extra_progress=cancel_at_step_5)
    assert run.has_checkpoint()
    # Simulate a crash mid-training: the run says "running" and its worker process is killed.
    (run.path / "CANCEL").unlink()
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    record_worker(run.path, worker.pid)
    run.set_status(state="running")
    assert run.status()["state"] == "running"  # alive: left alone
    worker.kill()  # not reaped yet: a zombie must count as dead
    status = _wait_for_state(run, ("failed",))
    worker.wait()
    assert status["state"] == "failed"
    assert status["error"] == f"{WORKER_LOST}. Resume continues from its last checkpoint."
    resume_run(run.id, in_process=True)
    status = run.status()
    assert status["state"] == "completed", status
    steps = [e["step"] for e in run.events() if e["kind"] == "step"]
    assert steps[-1] == status["total_steps"]


def test_a_killed_worker_process_does_not_hold_the_queue(spec):
    run = start_run(spec, owner="a")
    later = create_run(spec, owner="b")
    record_worker(later.path)  # its worker (this process) waits in the queue
    assert queue_position(later) == 1
    worker = json.loads((run.path / WORKER_FILE).read_text())
    os.kill(worker["pid"], signal.SIGKILL)
    status = _wait_for_state(run, ("failed",))
    assert status["error"] == f"{WORKER_LOST} before its first checkpoint; start a new run."
    assert queue_position(later) == 0
    with pytest.raises(RunError, match=r"has no checkpoint to resume from; start a new run instead"):
        resume_run(run.id)


def test_a_reused_pid_does_not_keep_a_dead_run_running(spec):
    run = create_run(spec)
    record_worker(run.path)  # this process is alive, but it is not the process that started the run
    worker = json.loads((run.path / WORKER_FILE).read_text())
    (run.path / WORKER_FILE).write_text(json.dumps({**worker, "start": "old-boot:1"}))
    run.set_status(state="running")
    assert run.status()["state"] == "failed"


def test_queued_runs_start_in_the_order_they_were_created(spec, tmp_path):
    bad = TrainSpec(**{**spec.to_dict(), "train_data": str(tmp_path / "missing.csv")})  # fails at once
    slot = TrainingSlot()
    assert slot.acquire(lambda: False)
    first, second = create_run(bad), create_run(bad)
    assert first.queue_key() < second.queue_key()
    # The first run's worker is still starting up (this process stands in for it) while the second's
    # already waits: when the slot frees, the second must keep waiting for the first.
    record_worker(first.path)
    waiting = threading.Thread(target=execute_run, args=(second,))
    waiting.start()
    time.sleep(1.0)
    slot.release()
    time.sleep(1.5)
    assert second.status()["state"] == "queued"
    assert queue_position(second) == 1
    starting = threading.Thread(target=execute_run, args=(first,))
    starting.start()
    starting.join(timeout=120)
    waiting.join(timeout=120)
    assert first.status()["state"] == second.status()["state"] == "failed"
    assert first.status()["started"] < second.status()["started"]


def test_only_the_owner_may_cancel_or_resume_when_an_owner_is_given(spec):
    run = create_run(spec, owner="session-a")
    with pytest.raises(RunError, match=r"belongs to another session; only the session that started it"):
        cancel_run(run.id, owner="session-b")
    assert not run.cancel_requested()
    cancel_run(run.id, owner="session-a")
    assert run.cancel_requested()


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
    assert not run.checkpoints.exists()  # deleted once the model was published


def test_failed_run_records_the_user_error(spec, tmp_path):
    bad = TrainSpec(**{**spec.to_dict(), "train_data": str(tmp_path / "missing.csv")})
    run = create_run(bad)
    execute_run(run)
    status = run.status()
    assert status["state"] == "failed"
    assert "missing.csv" in status["error"]
