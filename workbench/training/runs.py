"""Training runs a UI can start, poll, cancel and resume.

A run is a folder ``$WORKBENCH_HOME/runs/<run_id>/`` with ``spec.json``, ``status.json``,
``metrics.jsonl`` (one ``ProgressEvent`` a line), ``log.txt``, ``worker.json`` (who trains it) and
``checkpoints/``. The work happens in a child process (``python -m workbench.training.worker``); one
training job runs at a time on a CPU, the others wait in a first-come-first-served queue (a file lock
that only the longest-waiting live run may take) with their position shown. A run whose worker died
(crash, kill, Space restart) is reported ``failed`` by whoever reads its status next, and can be resumed
from its last checkpoint. A completed run's checkpoints are deleted once its model is in the registry.
``run_in_process`` does the same in the calling process, for tests and notebooks.

Other long jobs share the folder layout and the queue: a run's ``kind`` (in ``status.json``, "train"
when absent) names its entry in ``JOB_KINDS``, the function the worker calls once the job has the CPU
(variant builds: ``workbench.variants.jobs``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.config import workspace_home
from workbench.errors import RunError
from workbench.fsutil import atomic_write_json, read_json, read_jsonl
from workbench.progress import ProgressEvent
from workbench.training.spec import TrainSpec
from workbench.training.worker import WORKER_FILE, heartbeat, record_worker, worker_alive

ACTIVE_STATES = ("queued", "running")
FINAL_STATES = ("completed", "failed", "cancelled")
RESUMABLE_STATES = ("cancelled", "failed")
STATUS_EVERY_SECONDS = 1.0
QUEUE_POLL_SECONDS = 0.5
LAUNCH_GRACE_SECONDS = 60.0  # a queued run with no worker after this long was never launched
CHECKPOINT_DONE_FILE = "trainer_state.json"  # the Trainer writes it last: the checkpoint is complete
WORKER_LOST = "The training worker stopped unexpectedly (it crashed, was killed, or the app restarted)"
# kind -> "module:function(run, resume, extra_progress)", imported only by the worker that runs it
JOB_KINDS = {
    "train": "workbench.training.runs:run_training_job",
    "variant": "workbench.variants.jobs:run_build_job",
}


def runs_root() -> Path:
    root = workspace_home() / "runs"
    root.mkdir(parents=True, exist_ok=True)
    return root


@dataclass
class RunDir:
    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def spec_file(self) -> Path:
        return self.path / "spec.json"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def log_file(self) -> Path:
        return self.path / "log.txt"

    def spec(self) -> TrainSpec:
        return TrainSpec.from_dict(read_json(self.spec_file))

    def status(self) -> dict[str, Any]:
        """The run's status; an active run whose worker has died is recorded as ``failed`` first, so
        every reader (UI, CLI, queue) agrees and nothing waits for it."""
        status = self._read_status()
        if status.get("state") in ACTIVE_STATES and self._worker_gone(status):
            return self._record_worker_lost()
        return status

    def _read_status(self) -> dict[str, Any]:
        return read_json(self.path / "status.json", default={"state": "unknown"})

    def set_status(self, **changes: Any) -> dict[str, Any]:
        status = {**self._read_status(), **changes, "updated": time.time()}
        atomic_write_json(self.path / "status.json", status)
        return status

    def _worker_gone(self, status: dict[str, Any]) -> bool:
        alive = worker_alive(self.path)
        if alive is None:  # no worker recorded (yet): allow the launcher a moment
            since = status.get("queued_at") or status.get("created") or 0.0
            return time.time() - since > LAUNCH_GRACE_SECONDS
        return not alive

    def _record_worker_lost(self) -> dict[str, Any]:
        status = self._read_status()  # a dead worker writes no more, so this read is final
        if status.get("state") not in ACTIVE_STATES:
            return status
        if self.has_checkpoint():
            error = f"{WORKER_LOST}. Resume continues from its last checkpoint."
        else:
            error = f"{WORKER_LOST} before its first checkpoint; start a new run."
        return self.set_status(state="failed", finished=time.time(), error=error, problems=None)

    @property
    def owner(self) -> str:
        return self._read_status().get("owner") or ""

    @property
    def kind(self) -> str:
        """Which job this run is (``JOB_KINDS``): "train" for runs made before kinds existed."""
        return self._read_status().get("kind") or "train"

    def queue_key(self) -> tuple[float, str]:
        """First come, first served: by when the run (re)joined the queue, then by id."""
        status = self._read_status()
        return (float(status.get("queued_at") or status.get("created") or 0.0), self.id)

    def events(self) -> list[dict[str, Any]]:
        return read_jsonl(self.path / "metrics.jsonl")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(
                self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            )
        except FileNotFoundError:
            return ""

    def request_cancel(self) -> None:
        (self.path / "CANCEL").touch()

    def cancel_requested(self) -> bool:
        return (self.path / "CANCEL").exists()

    def has_checkpoint(self) -> bool:
        return any((c / CHECKPOINT_DONE_FILE).is_file() for c in self.checkpoints.glob("checkpoint-*"))

    def drop_incomplete_checkpoints(self) -> None:
        """A worker killed mid-save leaves a half-written checkpoint; resuming must not pick it."""
        for folder in self.checkpoints.glob("checkpoint-*"):
            if not (folder / CHECKPOINT_DONE_FILE).is_file():
                shutil.rmtree(folder, ignore_errors=True)

    def delete_checkpoints(self) -> None:
        """Free the disk once the model is in the registry (checkpoints are only for resuming)."""
        try:
            shutil.rmtree(self.checkpoints)
        except FileNotFoundError:
            return
        except OSError as exc:
            with open(self.log_file, "a", encoding="utf-8") as log:
                log.write(f"could not delete the checkpoints in {self.checkpoints}: {exc}\n")


def create_run(spec: Any, owner: str = "", kind: str = "train") -> RunDir:
    """A queued run folder for ``spec`` (a ``TrainSpec``, or the spec of another ``JOB_KINDS`` job)."""
    run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    run = RunDir(runs_root() / run_id)
    run.path.mkdir(parents=True)
    atomic_write_json(run.spec_file, spec.to_dict())
    now = time.time()
    run.set_status(
        state="queued", created=now, queued_at=now, owner=owner, kind=kind, model_id=None, error=None
    )
    return run


def get_run(run_id: str) -> RunDir:
    run = RunDir(runs_root() / run_id)
    if not run.spec_file.is_file():
        raise RunError(f"No training run {run_id!r} in {runs_root()}. List runs with `workbench runs`.")
    return run


def list_runs(owner: str | None = None, kind: str | None = None) -> list[RunDir]:
    """Runs, newest first; only those started by ``owner`` when given (a UI session's own runs), only
    jobs of ``kind`` when given."""
    runs = [RunDir(p) for p in runs_root().iterdir() if p.is_dir() and (p / "spec.json").is_file()]
    if owner is not None:
        runs = [r for r in runs if r.owner == owner]
    if kind is not None:
        runs = [r for r in runs if r.kind == kind]
    return sorted(runs, key=lambda r: r.id, reverse=True)


def runs_ahead(run: RunDir) -> list[RunDir]:
    """The live jobs that train before ``run``: the one training now and those queued earlier."""
    key = run.queue_key()
    ahead = []
    for other in list_runs():
        if other.id == run.id:
            continue
        state = other.status().get("state")  # also retires runs whose worker died
        if state == "running" or (state == "queued" and other.queue_key() < key):
            ahead.append(other)
    return ahead


def queue_position(run: RunDir) -> int:
    """0 when running, N when N jobs are ahead of it, -1 when finished."""
    state = run.status().get("state")
    if state not in ACTIVE_STATES:
        return -1
    if state == "running":
        return 0
    return len(runs_ahead(run))


def first_in_line(run: RunDir) -> bool:
    """No live run queued before this one: it may take the training slot as soon as it is free."""
    return not any(r.status().get("state") == "queued" for r in runs_ahead(run))


def start_run(spec: TrainSpec, owner: str = "") -> RunDir:
    """Create a run and hand it to a worker process; returns at once."""
    run = create_run(spec, owner)
    launch_worker(run)
    return run


def launch_worker(run: RunDir, resume: bool = False) -> None:
    args = [sys.executable, "-m", "workbench.training.worker", str(run.path)] + (
        ["--resume"] if resume else []
    )
    try:
        with open(run.log_file, "a", encoding="utf-8") as log:
            process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
    except OSError as exc:
        error = f"Could not start the training worker ({exc}); check the Python environment, then retry."
        run.set_status(state="failed", finished=time.time(), error=error)
        raise RunError(error) from exc
    record_worker(run.path, process.pid)  # the worker records itself too; this covers its start-up


def _check_owner(run: RunDir, owner: str | None, action: str) -> None:
    if owner is not None and run.owner != owner:
        raise RunError(
            f"Run {run.id} belongs to another session; only the session that started it can {action} it."
        )


def cancel_run(run_id: str, owner: str | None = None) -> RunDir:
    """Ask the run to stop (it saves a checkpoint first). ``owner`` set: refuse other owners' runs."""
    run = get_run(run_id)
    _check_owner(run, owner, "cancel")
    if run.status().get("state") in FINAL_STATES:
        raise RunError(f"Run {run_id} has already ended ({run.status().get('state')}); nothing to cancel.")
    run.request_cancel()
    return run


def resume_run(
    run_id: str, *, in_process: bool = False, extra_progress: Any = None, owner: str | None = None
) -> RunDir:
    """Continue a cancelled or failed run (e.g. its worker died) from its last complete checkpoint; it
    joins the back of the queue."""
    run = get_run(run_id)
    _check_owner(run, owner, "resume")
    state = run.status().get("state")
    if state not in RESUMABLE_STATES:
        raise RunError(f"Run {run_id} is {state}; only a cancelled or failed run can be resumed.")
    if not run.has_checkpoint():
        raise RunError(f"Run {run_id} has no checkpoint to resume from; start a new run instead.")
    run.drop_incomplete_checkpoints()
    (run.path / "CANCEL").unlink(missing_ok=True)
    (run.path / WORKER_FILE).unlink(missing_ok=True)  # the old worker is gone; the new one records itself
    run.set_status(
        state="queued", queued_at=time.time(), error=None, problems=None, finished=None, message="resuming"
    )
    if in_process:
        execute_run(run, resume=True, extra_progress=extra_progress)
    else:
        launch_worker(run, resume=True)
    return run


def run_in_process(spec: TrainSpec, owner: str = "") -> RunDir:
    """Same run folder and status as ``start_run``, but trained in this process (tests, notebooks)."""
    run = create_run(spec, owner)
    execute_run(run)
    return run


def progress_writer(run: RunDir) -> Any:
    """A progress callback that records a job's events in its run folder (metrics, log, status)."""
    from workbench.fsutil import append_jsonl

    last_status = 0.0

    def on_event(event: ProgressEvent) -> None:
        nonlocal last_status
        if event.kind != "step" or event.step % 10 == 0 or event.step == event.total_steps:
            append_jsonl(run.path / "metrics.jsonl", event.to_dict())
        if event.kind == "log":
            with open(run.log_file, "a", encoding="utf-8") as log:
                log.write(event.message + "\n")
        if time.time() - last_status >= STATUS_EVERY_SECONDS or event.kind != "step":
            last_status = time.time()
            run.set_status(
                step=event.step,
                total_steps=event.total_steps,
                epoch=event.epoch,
                eta_seconds=event.eta_seconds,
                fraction=event.fraction,
                message=event.message,
            )

    return on_event


class TrainingSlot:
    """An exclusive, cross-process lock: one training job at a time on this machine's CPU."""

    def __init__(self) -> None:
        self.path = runs_root() / ".training.lock"
        self.handle: Any = None

    def acquire(
        self, should_give_up: Any, my_turn: Any = None, poll_seconds: float = QUEUE_POLL_SECONDS
    ) -> bool:
        """Wait for the lock; try it only while ``my_turn()`` says so (the queue's order), so the
        waiters do not race for it. False when ``should_give_up()`` first."""
        import fcntl

        self.handle = open(self.path, "a+")  # noqa: SIM115 - held for the whole job
        while True:
            if my_turn is None or my_turn():
                try:
                    fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    pass  # the job ahead still trains
            if should_give_up():
                self.release()
                return False
            time.sleep(poll_seconds)

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def execute_run(run: RunDir, resume: bool = False, extra_progress: Any = None) -> None:
    """Wait for this run's turn in the queue, train, and record the outcome in ``status.json``. Never
    raises for a user mistake: the message goes to the status for the UI to show."""
    with heartbeat(run.path):
        slot = TrainingSlot()
        if not slot.acquire(run.cancel_requested, my_turn=lambda: first_in_line(run)):
            run.set_status(state="cancelled", finished=time.time(), message="cancelled while queued")
            return
        try:
            job_runner(run.kind)(run, resume, extra_progress)
        finally:
            slot.release()


def job_runner(kind: str) -> Any:
    import importlib

    if kind not in JOB_KINDS:
        raise RunError(f"Unknown job kind {kind!r}; this workbench runs {', '.join(JOB_KINDS)} jobs.")
    module, _, function = JOB_KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), function)


def run_training_job(run: RunDir, resume: bool, extra_progress: Any) -> None:
    """A training run, on one process or several."""
    if run.spec().world_size > 1:
        _launch_ranks_and_record(run, resume, extra_progress)
    else:
        _train_and_record(run, resume, extra_progress)


def _launch_ranks_and_record(run: RunDir, resume: bool, extra_progress: Any) -> None:
    """A multi-process run: torchrun starts the ranks, rank 0 records the outcome (see distributed)."""
    from workbench.errors import WorkbenchError
    from workbench.training.distributed import launch_ranks

    try:
        launch_ranks(run, resume, extra_progress)
    except WorkbenchError as exc:
        run.set_status(state="failed", finished=time.time(), error=str(exc), problems=exc.problems)


def _train_and_record(run: RunDir, resume: bool, extra_progress: Any) -> None:
    import traceback

    from workbench.errors import WorkbenchError
    from workbench.training.trainer import train

    try:
        run.set_status(state="running", started=time.time(), pid=os.getpid())
        writer = progress_writer(run)

        def progress(event: ProgressEvent) -> None:
            writer(event)
            if extra_progress is not None:
                extra_progress(event)

        result = train(
            run.spec(),
            progress=progress,
            cancel=run.cancel_requested,
            output_dir=str(run.checkpoints),
            resume=resume,
        )
        if result.status == "cancelled":
            run.set_status(state="cancelled", finished=time.time(), message="cancelled; resume to continue")
        else:
            run.set_status(
                state="completed",
                finished=time.time(),
                model_id=result.model_id,
                metrics=result.metrics,
                stop_reason=result.status,
                fraction=1.0,
                message="done",
            )
            run.delete_checkpoints()  # the model is published; checkpoints only served resuming
    except WorkbenchError as exc:
        run.set_status(state="failed", finished=time.time(), error=str(exc), problems=exc.problems)
    except Exception as exc:
        with open(run.log_file, "a", encoding="utf-8") as log:
            log.write(traceback.format_exc())
        run.set_status(
            state="failed", finished=time.time(), error=f"unexpected failure: {type(exc).__name__}: {exc}"
        )
