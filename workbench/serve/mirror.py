"""Shadow traffic: a second version predicts the texts of answered requests, off the response path.

The route hands the texts to ``Mirror.submit`` after its answer is built and returns at once; one
background thread runs the other version (through that version's own runtime, batcher and cache)
and writes its rows to the request log under the same request id with route ``shadow``, where the
rollout comparison pairs them with the answered rows. The backlog is bounded: when the mirror falls
behind, requests are skipped (counted), never queued without limit, so a slow shadow cannot hold
memory or delay answers.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.errors import WorkbenchError

log = logging.getLogger("workbench.serve")
MAX_BACKLOG = 64
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


class Mirror:
    def __init__(self, state: Any, max_backlog: int = MAX_BACKLOG) -> None:
        self.state = state
        self.skipped = 0
        self.done = 0
        self._jobs: queue.Queue[MirrorJob | None] = queue.Queue(max_backlog)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

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

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every queued job is done (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._jobs.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        if self._thread is not None:
            self.drain()
            self._jobs.put(None)
            self._thread.join(10)

    def _run(self) -> None:
        lower_thread_priority()
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                self._predict(job)
            except WorkbenchError as exc:  # e.g. the shadow model was removed: say so, keep serving
                log.warning("shadow %s of %s: %s", job.version, job.deployment, exc)
            finally:
                self._jobs.task_done()

    def _predict(self, job: MirrorJob) -> None:
        from workbench.safety import resolve_rules
        from workbench.serve.records import log_rows

        started = time.perf_counter()
        runtime = self.state.runtimes.get(job.version)
        served = runtime.predict(job.texts, job.pairs, resolve_rules(self.state.settings.rules))
        rows = log_rows(
            served, request_id=job.request_id, key_name=job.key_name, deployment=job.deployment,
            version=job.version, route=SHADOW_ROUTE, latency_ms=(time.perf_counter() - started) * 1000,
            texts=job.texts, pairs=job.pairs,
        )  # fmt: skip
        self.state.log.write(rows)
        self.done += 1
