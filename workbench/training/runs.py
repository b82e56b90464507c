"""Training runs a UI can start, poll, cancel and resume.

A run is a folder ``$WORKBENCH_HOME/runs/<run_id>/`` with ``spec.json``, ``status.json``,
``metrics.jsonl`` (one ``ProgressEvent`` a line), ``log.txt`` and ``checkpoints/``. The work happens in
a child process (``python -m workbench.training.worker``); one training job runs at a time on a CPU,
the others wait in the queue (a file lock) with their position shown. ``run_in_process`` does the same
in the calling process, for tests and notebooks.
"""

from __future__ import annotations

import os
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

ACTIVE_STATES = ("queued", "running")
FINAL_STATES = ("completed", "failed", "cancelled")
STATUS_EVERY_SECONDS = 1.0


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
        return read_json(self.path / "status.json", default={"state": "unknown"})

    def set_status(self, **changes: Any) -> dict[str, Any]:
        status = {**self.status(), **changes, "updated": time.time()}
        atomic_write_json(self.path / "status.json", status)
        return status

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
        return any(self.checkpoints.glob("checkpoint-*"))


def create_run(spec: TrainSpec, owner: str = "") -> RunDir:
    run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    run = RunDir(runs_root() / run_id)
    run.path.mkdir(parents=True)
    atomic_write_json(run.spec_file, spec.to_dict())
    run.set_status(state="queued", created=time.time(), owner=owner, model_id=None, error=None)
    return run


def get_run(run_id: str) -> RunDir:
    run = RunDir(runs_root() / run_id)
    if not run.spec_file.is_file():
        raise RunError(f"No training run {run_id!r} in {runs_root()}. List runs with `workbench runs`.")
    return run


def list_runs() -> list[RunDir]:
    runs = [RunDir(p) for p in runs_root().iterdir() if p.is_dir() and (p / "spec.json").is_file()]
    return sorted(runs, key=lambda r: r.id, reverse=True)


def queue_position(run: RunDir) -> int:
    """0 when running, N when N jobs are ahead of it, -1 when finished."""
    state = run.status().get("state")
    if state not in ACTIVE_STATES:
        return -1
    if state == "running":
        return 0
    ahead = [r for r in list_runs() if r.id < run.id and r.status().get("state") in ACTIVE_STATES]
    return len(ahead)


def start_run(spec: TrainSpec, owner: str = "") -> RunDir:
    """Create a run and hand it to a worker process; returns at once."""
    run = create_run(spec, owner)
    launch_worker(run)
    return run


def launch_worker(run: RunDir, resume: bool = False) -> None:
    args = [sys.executable, "-m", "workbench.training.worker", str(run.path)] + (
        ["--resume"] if resume else []
    )
    with open(run.log_file, "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    run.set_status(pid=process.pid)


def cancel_run(run_id: str) -> RunDir:
    run = get_run(run_id)
    if run.status().get("state") in FINAL_STATES:
        raise RunError(f"Run {run_id} has already ended ({run.status().get('state')}); nothing to cancel.")
    run.request_cancel()
    return run


def resume_run(run_id: str, *, in_process: bool = False, extra_progress: Any = None) -> RunDir:
    run = get_run(run_id)
    state = run.status().get("state")
    if state != "cancelled":
        raise RunError(f"Run {run_id} is {state}; only a cancelled run can be resumed.")
    if not run.has_checkpoint():
        raise RunError(f"Run {run_id} has no checkpoint to resume from; start a new run instead.")
    (run.path / "CANCEL").unlink(missing_ok=True)
    run.set_status(state="queued", error=None)
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


def _progress_writer(run: RunDir) -> Any:
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

    def acquire(self, should_give_up: Any, poll_seconds: float = 0.5) -> bool:
        import fcntl

        self.handle = open(self.path, "a+")  # noqa: SIM115 - held for the whole job
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if should_give_up():
                    self.release()
                    return False
                time.sleep(poll_seconds)

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def execute_run(run: RunDir, resume: bool = False, extra_progress: Any = None) -> None:
    """Wait for the training slot, train, and record the outcome in ``status.json``. Never raises for a
    user mistake: the message goes to the status for the UI to show."""
    import traceback

    from workbench.errors import WorkbenchError
    from workbench.training.trainer import train

    slot = TrainingSlot()
    if not slot.acquire(run.cancel_requested):
        run.set_status(state="cancelled", finished=time.time(), message="cancelled while queued")
        return
    try:
        run.set_status(state="running", started=time.time(), pid=os.getpid())
        writer = _progress_writer(run)

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
    except WorkbenchError as exc:
        run.set_status(state="failed", finished=time.time(), error=str(exc), problems=exc.problems)
    except Exception as exc:
        with open(run.log_file, "a", encoding="utf-8") as log:
            log.write(traceback.format_exc())
        run.set_status(
            state="failed", finished=time.time(), error=f"unexpected failure: {type(exc).__name__}: {exc}"
        )
    finally:
        slot.release()
