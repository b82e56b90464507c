"""Shadow traffic: a second version predicts the texts of answered requests, off the response path.

The route hands the texts to ``Mirror.submit`` after its answer is built and returns at once; one
background thread takes the jobs in order and writes the other version's rows to the request log
under the same request id with route ``shadow``, where the rollout comparison pairs them with the
answered rows. The backlog is bounded: when the mirror falls behind, requests are skipped (counted),
never queued without limit, so a slow shadow cannot hold memory or delay answers.

Where the other version runs (``ServeSettings.shadow_process``):

* **a separate process** (default): a ``spawn``-started worker with one torch thread at the
  ``SCHED_IDLE`` policy (else nice 19), holding its own copy of the shadow version. The kernel gives
  it only the CPU time the answering threads leave idle, and it shares none of their locks, torch
  thread pool or batcher, so the answers are as fast as without a shadow (``benchmarks/
  shadow_overhead.py`` measures it). It costs the memory of one more loaded model;
* **a thread** of the server (``--shadow-in-thread``): no second copy, but its forward passes run
  in the server's torch pool beside the answers and slow them by a few milliseconds.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

log = logging.getLogger("workbench.serve")
MAX_BACKLOG = 64
# The mirror thread waits this long after a job arrives and then sends every queued job at once:
# one hand-over between the server and the worker per batch, not per request.
LINGER_S = 0.05
SHADOW_ROUTE = "shadow"


@dataclass(frozen=True)
class MirrorJob:
    deployment: str
    version: str
    request_id: str
    key_name: str | None
    texts: Sequence[str]
    pairs: Sequence[str] | None


def lower_thread_priority() -> None:
    """Give the shadow's thread the lowest CPU priority (Linux applies nice per thread), so the
    answering requests get the cores first."""
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError as exc:
            log.info("shadow thread keeps its priority: %s", exc)


def idle_priority() -> None:
    """Put the calling thread (and the threads it starts later) at ``SCHED_IDLE``: it runs only on a
    core nothing else wants. Falls back to nice 19 where the policy is missing."""
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
        except OSError as exc:
            log.info("shadow process cannot use SCHED_IDLE (%s); nice 19 instead", exc)
    lower_thread_priority()


def _worker_start(home: str, settings: Any) -> Any:
    """Runs first in the worker process: lowest priority, one torch thread; its own runtimes."""
    idle_priority()
    os.environ["WORKBENCH_HOME"] = home
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    import torch

    torch.set_num_threads(1)
    from workbench.models.registry import Registry
    from workbench.serve.metrics import ServeMetrics
    from workbench.serve.runtime import Runtimes

    # No batcher thread: the worker takes one job at a time, and each job is one request's texts.
    return Runtimes(replace(settings, batching=False), ServeMetrics(), Registry(Path(home)))


def _rows_or_error(runtimes: Any, job: MirrorJob, rules: str | None) -> list[Any] | str:
    """The shadow's log rows for one job, or the message of the ``WorkbenchError`` that stopped it
    (a string crosses the process boundary whatever the error class)."""
    try:
        return _predict_rows(runtimes, job, rules)
    except WorkbenchError as exc:
        return str(exc)


def _worker_main(conn: Any, home: str, settings: Any) -> None:
    """The worker process: answer each batch of jobs with their rows (or error messages) until the
    server sends ``None`` or goes away."""
    runtimes = _worker_start(home, settings)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        jobs, rules = message
        conn.send([_rows_or_error(runtimes, job, rules) for job in jobs])


def exit_cause(code: int | None) -> str:
    """Say why a process ended from its exit code, without guessing out of memory for every death."""
    if code is None:
        return "still running but not answering"
    if code >= 0:
        return f"exit code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    if -code == signal.SIGKILL:
        return f"killed by {name}: out of memory? the kernel's OOM killer sends it"
    if -code == signal.SIGTERM:
        return f"stopped by {name}: the server shutting down, or a process manager"
    return f"stopped by {name}"


class WorkerProcess:
    """The idle-priority process the shadow versions run in, started on the first job."""

    def __init__(self, home: str, settings: Any) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self._conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, home, settings), name="workbench-shadow", daemon=True
        )
        self.process.start()
        child.close()

    def run(self, jobs: list[MirrorJob], rules: str | None) -> list[list[Any] | str]:
        try:
            self._conn.send((jobs, rules))
            return self._conn.recv()
        except (EOFError, OSError) as exc:
            self.process.join(1)
            raise WorkbenchError(
                f"the shadow worker process stopped ({exit_cause(self.process.exitcode)}); "
                "a new one starts with the next request"
            ) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self._conn.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def _predict_rows(runtimes: Any, job: MirrorJob, rules: str | None) -> list[Any]:
    from workbench.safety import resolve_rules
    from workbench.serve.records import log_rows

    started = time.perf_counter()
    runtime = runtimes.get(job.version)
    served = runtime.predict(job.texts, job.pairs, resolve_rules(rules))
    return log_rows(
        served, request_id=job.request_id, key_name=job.key_name, deployment=job.deployment,
        version=job.version, route=SHADOW_ROUTE, latency_ms=(time.perf_counter() - started) * 1000,
        texts=job.texts, pairs=job.pairs,
    )  # fmt: skip


class Mirror:
    def __init__(self, state: Any, max_backlog: int = MAX_BACKLOG) -> None:
        self.state = state
        self.skipped = 0
        self.done = 0
        self._jobs: queue.Queue[MirrorJob | None] = queue.Queue(max_backlog)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.in_process: bool = getattr(state.settings, "shadow_process", True)
        self.worker: WorkerProcess | None = None

    def submit(self, job: MirrorJob) -> bool:
        """Queue the job without waiting; False (and counted) when the backlog is full."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="shadow-mirror", daemon=True)
                self._thread.start()
        try:
            self._jobs.put_nowait(job)
            return True
        except queue.Full:
            self.skipped += 1
            return False

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every queued job is done (tests, shutdown); False when ``timeout`` ran out first.
        The mirror runs at idle priority, so a machine whose cores are all busy elsewhere starves it:
        by design, the answers come first."""
        deadline = time.monotonic() + timeout
        while self._jobs.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._jobs.unfinished_tasks

    def close(self) -> None:
        if self._thread is not None:
            self.drain()
            self._jobs.put(None)
            self._thread.join(10)
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def _run(self) -> None:
        lower_thread_priority()
        while True:
            first = self._jobs.get()
            if first is None:
                self._jobs.task_done()
                return
            time.sleep(LINGER_S)
            jobs = [first]
            stop = False
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                jobs.append(job)
            try:
                self._predict(jobs)
            finally:
                for _ in range(len(jobs) + stop):
                    self._jobs.task_done()
            if stop:
                return

    def _predict(self, jobs: list[MirrorJob]) -> None:
        rules = self.state.settings.rules
        try:
            if self.in_process:
                results = self._run_in_worker(jobs, rules)
            else:
                results = [_rows_or_error(self.state.runtimes, job, rules) for job in jobs]
        except WorkbenchError as exc:  # the worker died: these jobs are lost, serving goes on
            results = [str(exc)] * len(jobs)
        rows: list[Any] = []
        for job, result in zip(jobs, results, strict=True):
            if isinstance(result, str):  # e.g. the shadow model was removed: say so, keep serving
                log.warning("shadow %s of %s: %s", job.version, job.deployment, result)
                continue
            rows.extend(result)
            self.done += 1
        if rows:
            self.state.log.write(rows)

    def _run_in_worker(self, jobs: list[MirrorJob], rules: str | None) -> list[list[Any] | str]:
        if self.worker is None:
            self.worker = WorkerProcess(str(self.state.registry.home), self.state.settings)
        try:
            return self.worker.run(jobs, rules)
        except WorkbenchError:
            self.worker = None
            raise
