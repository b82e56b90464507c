"""``ray://NAME``: a ``limits`` storage whose counters live in one named Ray actor.

Under Ray Serve every replica is its own process (maybe on another node), so ``memory://`` would give
each replica its own limit: a key with 20/s would get 20/s *per replica*. The gateway's limiter takes
a storage URI; this module registers the ``ray`` scheme with ``limits`` (importing it is enough), and
every replica's limiter talks to the same actor, which keeps the counters in a ``MemoryStorage``.
Each call is one actor round trip (about a millisecond on one machine); actor methods run one at a
time, so a hit is atomic across replicas. Redis (``redis://``) remains the choice without Ray.
"""

from __future__ import annotations

import contextlib
from typing import Any

from limits.storage import MemoryStorage, MovingWindowSupport, Storage

NAMESPACE = "workbench"
DEFAULT_ACTOR = "workbench-rate-limits"
SCHEME = "ray"


class RateCounters:
    """The actor's body: a ``MemoryStorage`` whose methods are called by name."""

    def __init__(self) -> None:
        self.storage = MemoryStorage()

    def call(self, method: str, *args: Any) -> Any:
        return getattr(self.storage, method)(*args)


def actor_name(uri: str | None) -> str:
    return (uri or "").removeprefix(f"{SCHEME}://").strip("/") or DEFAULT_ACTOR


def counters_actor(name: str = DEFAULT_ACTOR) -> Any:
    """The named counters actor, created on first use (detached: it outlives the replica that made it,
    so scaling down never drops the counts; ``kill_counters`` ends it with the server)."""
    import ray

    remote = ray.remote(num_cpus=0, max_concurrency=1)(RateCounters)
    return remote.options(name=name, namespace=NAMESPACE, get_if_exists=True, lifetime="detached").remote()


def kill_counters(name: str = DEFAULT_ACTOR) -> None:
    import ray

    with contextlib.suppress(ValueError):  # never created: no rate limit was checked
        ray.kill(ray.get_actor(name, namespace=NAMESPACE))


class RayStorage(Storage, MovingWindowSupport):
    """Rate-limit counters shared by every replica of a Ray cluster."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (the limits registry reads a plain list)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        self.actor = counters_actor(actor_name(uri))
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _call(self, method: str, *args: Any) -> Any:
        import ray

        return ray.get(self.actor.call.remote(method, *args))

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        import ray.exceptions

        return ray.exceptions.RayError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return int(self._call("incr", key, expiry, amount))

    def get(self, key: str) -> int:
        return int(self._call("get", key))

    def get_expiry(self, key: str) -> float:
        return float(self._call("get_expiry", key))

    def check(self) -> bool:
        return bool(self._call("check"))

    def reset(self) -> int | None:
        return self._call("reset")

    def clear(self, key: str) -> None:
        self._call("clear", key)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return bool(self._call("acquire_entry", key, limit, expiry, amount))

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        window = self._call("get_moving_window", key, limit, expiry)
        return float(window[0]), int(window[1])
