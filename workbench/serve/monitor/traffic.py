"""Traffic read from the request log: requests, latency p50/p95, errors, 429/503, cache hits, safety hits.

Every predict request writes one row per text; a refused request (401, 429, 503, ...) writes one
row with its status and no text. Requests are counted by their request id, so a request of eight
texts counts once, and its latency once.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.serve.requestlog import connect

BUCKET_CHOICES = (60, 300, 900, 3600, 6 * 3600, 86400)  # seconds
TARGET_BUCKETS = 24
SERVED_ROUTES = ("predict", "predict-pinned")


@dataclass(frozen=True)
class TrafficBucket:
    start: float
    requests: int
    errors: int
    rate_limited: int
    overloaded: int
    p50_ms: float | None
    p95_ms: float | None
    cache_hit_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrafficSummary:
    requests: int
    texts: int
    errors: int
    rate_limited: int
    overloaded: int
    error_rate: float
    p50_ms: float | None
    p95_ms: float | None
    cache_hit_rate: float | None
    safety_hits: dict[str, int]
    by_status: dict[str, int]
    bucket_seconds: int
    buckets: list[TrafficBucket]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "buckets": [b.to_dict() for b in self.buckets]}


def read_rows(path: Path, deployment: str, since: float | None = None, limit: int = 200_000) -> list[dict]:
    """The deployment's rows since ``since`` (all when None), oldest first."""
    if not path.is_file():
        return []
    conn = connect(path)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(
            "SELECT * FROM (SELECT * FROM requests WHERE deployment = ? AND at >= ? ORDER BY id DESC LIMIT ?) "
            "ORDER BY id",
            (deployment, since or 0.0, limit),
        ).fetchall()
    finally:
        conn.close()
    return [dict(r) for r in rows]


def is_error(status: int) -> bool:
    """What the error-rate alert counts: the server failed or refused (5xx, 429), not a client mistake."""
    return status >= 500 or status == 429


def _requests(rows: list[dict]) -> list[dict]:
    """One entry per request (its first row), carrying whether all its texts were cache hits."""
    first: dict[str, dict] = {}
    for r in rows:
        first.setdefault(r["request_id"], r)
    return list(first.values())


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def bucket_width(span: float) -> int:
    return next((b for b in BUCKET_CHOICES if span / b <= TARGET_BUCKETS), BUCKET_CHOICES[-1])


def _bucket(rows: list[dict], start: float) -> TrafficBucket:
    requests = _requests(rows)
    served = [r for r in rows if r["status"] == 200]
    latencies = [r["latency_ms"] for r in requests if r["status"] == 200]
    return TrafficBucket(
        start=start,
        requests=len(requests),
        errors=sum(is_error(r["status"]) for r in requests),
        rate_limited=sum(r["status"] == 429 for r in requests),
        overloaded=sum(r["status"] == 503 for r in requests),
        p50_ms=_percentile(latencies, 50),
        p95_ms=_percentile(latencies, 95),
        cache_hit_rate=round(sum(r["cached"] for r in served) / len(served), 4) if served else None,
    )


def summarize(rows: list[dict], categories: dict[str, str], now: float | None = None) -> TrafficSummary:
    """Totals and time buckets of the rows of the answered routes (shadow rows are left out)."""
    rows = [r for r in rows if r["route"] in SERVED_ROUTES or r["status"] != 200]
    now = now or time.time()
    start = min((r["at"] for r in rows), default=now)
    width = bucket_width(max(now - start, 1.0))
    grouped: dict[float, list[dict]] = {}
    for r in rows:
        grouped.setdefault(r["at"] - r["at"] % width, []).append(r)
    total = _bucket(rows, start)
    hits: Counter[str] = Counter()
    for r in rows:
        for rule in filter(None, (r["rule_hits"] or "").split(", ")):
            hits[categories.get(rule, rule)] += 1
    requests = _requests(rows)
    return TrafficSummary(
        requests=total.requests,
        texts=sum(r["status"] == 200 for r in rows),
        errors=total.errors,
        rate_limited=total.rate_limited,
        overloaded=total.overloaded,
        error_rate=round(total.errors / total.requests, 4) if total.requests else 0.0,
        p50_ms=total.p50_ms,
        p95_ms=total.p95_ms,
        cache_hit_rate=total.cache_hit_rate,
        safety_hits=dict(hits.most_common()),
        by_status={str(k): v for k, v in sorted(Counter(r["status"] for r in requests).items())},
        bucket_seconds=width,
        buckets=[_bucket(g, s) for s, g in sorted(grouped.items())],
    )


def rule_categories(rules: Any) -> dict[str, str]:
    """Rule id → its category (what the page groups safety hits by)."""
    return {rule.id: rule.category for rule in rules}
