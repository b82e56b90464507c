"""Replay: the logged (masked) traffic of a deployment through another version, offline.

Both versions predict the same masked texts (the log never kept the raw ones, so the current
version is re-run too: the comparison is like for like), and the result is the same comparison a
live canary or shadow gives. Texts a reviewer labelled in the review queue (matched on the masked
text, which is what the demo's flag button stores) give each version's accuracy.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from workbench.errors import RegistryError, SpecError
from workbench.progress import ProgressCallback, no_progress
from workbench.serve.monitor.rollout import Comparison, compare
from workbench.serve.monitor.traffic import SERVED_ROUTES, read_rows

PAIR_SEPARATOR = " ||| "  # how the request log joins a masked text and its masked pair


def logged_texts(rows: list[dict], limit: int) -> list[dict]:
    """The newest ``limit`` distinct answered texts (blocked texts never reached a model)."""
    seen: dict[str, dict] = {}
    for r in rows:
        if r["status"] == 200 and r["route"] in SERVED_ROUTES and not r["blocked"] and r["text_masked"]:
            seen.pop(r["text_sha256"], None)
            seen[r["text_sha256"]] = r
    return list(seen.values())[-limit:]


def _predict_rows(model_id: str, logged: list[dict], registry: Any) -> list[dict]:
    from workbench.inference.predict import MODEL_CACHE

    loaded = MODEL_CACHE.get(model_id, registry)
    split = [r["text_masked"].split(PAIR_SEPARATOR, 1) for r in logged]
    texts = [parts[0] for parts in split]
    pairs = [parts[1] if len(parts) > 1 else "" for parts in split] if loaded.record.text_pair else None
    started = time.perf_counter()
    predictions = loaded.predict(texts, pairs)
    per_text_ms = (time.perf_counter() - started) * 1000 / max(len(texts), 1)
    return [
        {**r, "request_id": f"replay-{i}", "version": loaded.id, "route": "replay", "latency_ms": per_text_ms,
         "label": str(p.label), "confidence": float(p.score)}
        for i, (r, p) in enumerate(zip(logged, predictions, strict=True))
    ]  # fmt: skip


def review_labels() -> dict[str, str]:
    """Masked text → the label a reviewer gave it, over every review queue."""
    from workbench.review import store

    if not store.store_path().is_file():
        return {}
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT text, gold_label FROM items WHERE gold_label IS NOT NULL AND gold_label != ''"
        )
        return {r["text"]: r["gold_label"] for r in rows}


def accuracy(current: list[dict], candidate: list[dict], gold: dict[str, str]) -> dict[str, Any] | None:
    labelled = [(a, b, gold[a["text_masked"]]) for a, b in zip(current, candidate, strict=True)
                if a["text_masked"] in gold]  # fmt: skip
    if not labelled:
        return None
    return {
        "labelled": len(labelled),
        "current": round(sum(a["label"] == g for a, _, g in labelled) / len(labelled), 4),
        "candidate": round(sum(b["label"] == g for _, b, g in labelled) / len(labelled), 4),
    }


def replay(
    name: str,
    candidate: str,
    *,
    since: float | None = None,
    limit: int = 5000,
    home: Path | None = None,
    progress: ProgressCallback = no_progress,
) -> Comparison:
    from workbench.models.registry import Registry
    from workbench.serve.deployments import DeploymentStore
    from workbench.serve.requestlog import log_path

    registry = Registry(home)
    current = DeploymentStore(registry.home, registry).get(name).version
    candidate_id = registry.get(candidate).id
    if candidate_id == current:
        raise SpecError(f"{candidate_id!r} is the version {name!r} serves now; replay another version.")
    logged = logged_texts(read_rows(log_path(registry.home), name, since), limit)
    if not logged:
        when = "" if since is None else " in that period"
        raise RegistryError(
            f"No answered requests of {name!r} in the request log{when} to replay; serve some traffic "
            "(`workbench serve`) or widen --since."
        )
    a = _predict_rows(current, logged, registry)
    b = _predict_rows(candidate_id, logged, registry)
    result = compare(name, a + b, current, candidate_id, "replay")
    gold = accuracy(a, b, review_labels())
    return dataclasses.replace(result, accuracy=gold)
