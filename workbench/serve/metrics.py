"""Prometheus collectors of the server, in one place (``GET /metrics``).

Each app gets its own ``CollectorRegistry`` so two servers (or two tests) in one process never share
counters. Latency buckets start at 1 ms: a cache hit is served in about that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
WAIT_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass
class ServeMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "workbench_requests", "Requests by deployment, version, route and HTTP status",
            ["deployment", "version", "route", "status"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "workbench_request_latency_seconds", "Request latency (server side)",
            ["deployment", "route"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.queue_wait = Histogram(
            "workbench_queue_wait_seconds", "Time a request waited for its batch",
            ["version"], buckets=WAIT_BUCKETS, registry=r,
        )  # fmt: skip
        self.batch_size = Histogram(
            "workbench_batch_size", "Texts per forward pass", ["version"], buckets=BATCH_BUCKETS, registry=r
        )
        self.cache_hits = Counter("workbench_cache_hits", "Prediction cache hits", ["version"], registry=r)
        self.cache_misses = Counter(
            "workbench_cache_misses", "Prediction cache misses", ["version"], registry=r
        )
        self.safety_hits = Counter(
            "workbench_safety_hits", "Safety rule hits by category and action",
            ["deployment", "category", "action"], registry=r,
        )  # fmt: skip
        self.model_load = Gauge(
            "workbench_model_load_seconds", "Seconds it took to load each version", ["version"], registry=r
        )
        self.rejected = Counter(
            "workbench_rejected", "Requests refused before the model (auth, limits, full queue)",
            ["reason"], registry=r,
        )  # fmt: skip

    def batch_observer(self, version: str):  # type: ignore[no-untyped-def]
        batch_size, queue_wait = self.batch_size.labels(version), self.queue_wait.labels(version)

        def observe(size: int, waits: Sequence[float]) -> None:
            batch_size.observe(size)
            for wait in waits:
                queue_wait.observe(wait)

        return observe

    def render(self) -> bytes:
        return generate_latest(self.registry)
