"""Micro-batching: concurrent requests to one model version share one forward pass.

The shape of Ray Serve's ``@serve.batch``: a function that takes a list and returns a list, with the
batch size and the wait as its knobs; ``await batcher(items)`` from async code, ``batcher.call(items)``
from a thread. No kept library does this for an in-process PyTorch model, so it is written here.

Policy: a request that finds the model idle is dispatched at once, with whatever else is waiting (one
client pays no batching delay). Requests that arrive while a batch is running wait for it and go
together as the next batch, up to ``max_batch_size`` texts; a batch that is not full waits at most
``max_wait_s`` (counted from its first request's arrival) for more. The model function sorts by
length inside the batch (``workbench.inference.predict.run_batches``). The queue is bounded in texts:
when full, ``submit`` raises ``QueueFull`` at once (the server answers 503 with Retry-After).

There is no batcher thread: the caller that finds the model free runs the batch in its own thread
(a server's worker thread) for everyone in it, the others wait for their results. Measured: PyTorch
forward passes in a long-lived extra thread of the uvicorn process ran 5-20x slower than the same
passes in the server's worker threads, so the work stays where the one-request-per-pass path runs it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
BatchObserver = Callable[[int, Sequence[float]], None]  # (texts in the batch, queue wait per request)


class QueueFull(Exception):
    """The batcher's queue holds ``max_queue`` texts already; try again after ``retry_after`` s."""

    def __init__(self, pending: int, limit: int, retry_after: float) -> None:
        super().__init__(
            f"The model's queue is full ({pending} texts waiting, limit {limit}); retry in "
            f"{retry_after:.0f} s or lower the request rate."
        )
        self.retry_after = retry_after


class BatcherClosed(Exception):
    """The batcher was shut down; no new work is accepted."""


@dataclass
class _Request(Generic[T, R]):
    items: list[T]
    future: Future[list[R]]
    arrived: float = field(default_factory=time.perf_counter)


class MicroBatcher(Generic[T, R]):
    """Joins concurrent ``call``s into calls of ``fn`` (run by one of the callers, one batch at a time)."""

    def __init__(
        self,
        fn: Callable[[list[T]], list[R]],
        *,
        max_batch_size: int = 32,
        max_wait_s: float = 0.005,
        max_queue: int = 256,
        observer: BatchObserver | None = None,
    ) -> None:
        if max_batch_size < 1 or max_wait_s < 0 or max_queue < 1:
            raise ValueError("max_batch_size and max_queue must be at least 1, max_wait_s at least 0")
        self.fn = fn
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self.max_queue = max_queue
        self.observer = observer
        self._pending: deque[_Request[T, R]] = deque()
        self._pending_items = 0
        self._cond = threading.Condition()
        self._busy = False
        self._closed = False
        self._seconds_per_item = 0.01  # running estimate, for Retry-After

    @property
    def pending(self) -> int:
        return self._pending_items

    def _enqueue(self, items: Sequence[T]) -> _Request[T, R]:
        request: _Request[T, R] = _Request(list(items), Future())
        if not request.items:
            request.future.set_result([])
            return request
        with self._cond:
            if self._closed:
                raise BatcherClosed("the server is shutting down")
            if self._pending_items + len(request.items) > self.max_queue:
                retry = max(1.0, self._pending_items * self._seconds_per_item)
                raise QueueFull(self._pending_items, self.max_queue, retry)
            self._pending.append(request)
            self._pending_items += len(request.items)
            self._cond.notify_all()
        return request

    def call(self, items: Sequence[T]) -> list[R]:
        """One result per item, in order; blocks until its batch has run (perhaps run by this thread)."""
        request = self._enqueue(items)
        while not request.future.done():
            batch = self._lead_or_wait(request)
            if batch:
                self._dispatch(batch)
        return request.future.result()

    async def __call__(self, items: Sequence[T]) -> list[R]:
        return await asyncio.to_thread(self.call, items)

    def close(self) -> None:
        """Stop accepting work; what is queued still runs (its callers drive it)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _lead_or_wait(self, request: _Request[T, R]) -> list[_Request[T, R]] | None:
        """Wait while the model is busy; when it is free and our result is still due, take the next
        batch (the caller then runs it). None when our result arrived meanwhile."""
        with self._cond:
            waited = False
            while self._busy and not request.future.done():
                waited = True
                self._cond.wait()
            if request.future.done() or not self._pending:
                return None
            self._busy = True
            if waited:  # the model was busy: let the batch fill, for at most max_wait_s
                deadline = self._pending[0].arrived + self.max_wait_s
                while self._pending_items < self.max_batch_size:
                    left = deadline - time.perf_counter()
                    if left <= 0:
                        break
                    self._cond.wait(left)
            batch = [self._pending.popleft()]
            size = len(batch[0].items)
            while self._pending and size + len(self._pending[0].items) <= self.max_batch_size:
                batch.append(self._pending.popleft())
                size += len(batch[-1].items)
            self._pending_items -= size
            return batch

    def _dispatch(self, batch: list[_Request[T, R]]) -> None:
        try:
            self._run_batch(batch)
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _run_batch(self, batch: list[_Request[T, R]]) -> None:
        started = time.perf_counter()
        items = [item for request in batch for item in request.items]
        if self.observer is not None:
            self.observer(len(items), [started - r.arrived for r in batch])
        try:
            results = self.fn(items)
            if len(results) != len(items):
                raise RuntimeError(f"batch function returned {len(results)} results for {len(items)} items")
        except BaseException as exc:  # every request of the batch gets the error
            for request in batch:
                request.future.set_exception(exc)
            return
        elapsed = time.perf_counter() - started
        self._seconds_per_item = 0.8 * self._seconds_per_item + 0.2 * elapsed / len(items)
        start = 0
        for request in batch:
            request.future.set_result(results[start : start + len(request.items)])
            start += len(request.items)
