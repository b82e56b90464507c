"""From the inference layer's results to the API's records, the request log's rows and the metrics.

Kept apart from the routes so the Gradio demo and the tests read a prediction exactly as the REST
route returns it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from workbench.inference.checked import CheckedPrediction
from workbench.serve.metrics import ServeMetrics
from workbench.serve.requestlog import LogRow, label_text, text_digest
from workbench.serve.runtime import ServedPrediction
from workbench.serve.schemas import ExplanationOut, PredictionOut, SafetyHit


def prediction_out(checked: CheckedPrediction) -> PredictionOut:
    p = checked.prediction
    return PredictionOut(
        label=None if p is None else p.label,
        score=None if p is None else float(p.score),
        scores={} if p is None else {k: float(v) for k, v in p.probabilities.items()},
        blocked=checked.blocked,
        block_reason=checked.block_reason,
        needs_review=checked.needs_review,
        safety_hits=[SafetyHit(**hit) for hit in checked.hit_records()],
        safety_notes=checked.notes,
        extra={"masked_output": checked.masked_output} if checked.output_safety and p is not None else {},
    )


def explanation_out(checked: CheckedPrediction, result: Any | None) -> ExplanationOut:
    hits = [SafetyHit(**hit) for hit in checked.hit_records()]
    if result is None:
        return ExplanationOut(blocked=True, block_reason=checked.block_reason, safety_hits=hits)
    data = result.to_json_dict()
    return ExplanationOut(
        label=data["label"],
        prediction=data["prediction"],
        scores=data["probabilities"],
        scale=data["scale"],
        tokens=data["tokens"],
        values=data["values"],
        base_value=data["base_value"],
        labels=data["labels"],
        safety_hits=hits,
        notes=data["notes"],
    )


def count_safety_hits(metrics: ServeMetrics, deployment: str, served: Sequence[ServedPrediction]) -> None:
    for s in served:
        for hit in s.checked.hits:
            metrics.safety_hits.labels(deployment, hit.category, hit.action).inc()


def log_rows(
    served: Sequence[ServedPrediction],
    *,
    request_id: str,
    key_name: str | None,
    deployment: str,
    version: str,
    route: str,
    latency_ms: float,
    texts: Sequence[str],
    pairs: Sequence[str] | None,
) -> list[LogRow]:
    """One row per text: its masked form and a hash, never the text as sent."""
    now = time.time()
    rows = []
    for i, s in enumerate(served):
        c, p = s.checked, s.checked.prediction
        masked = c.safety.masked_text
        raw = texts[i]
        if pairs is not None and c.pair_safety is not None:
            masked, raw = f"{masked} ||| {c.pair_safety.masked_text}", f"{raw}\x1f{pairs[i]}"
        rows.append(
            LogRow(
                at=now,
                request_id=request_id,
                key_name=key_name,
                deployment=deployment,
                version=version,
                route=route,
                status=200,
                latency_ms=round(latency_ms, 3),
                label=None if p is None else label_text(c.masked_output if c.output_safety else p.label),
                confidence=None if p is None else float(p.score),
                rule_hits=", ".join(c.rule_ids()),
                blocked=c.blocked,
                cached=s.cached,
                text_masked=masked,
                text_sha256=text_digest(raw),
            )
        )
    return rows
