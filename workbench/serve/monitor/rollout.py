"""Two versions side by side: label agreement on the same texts, confidence, latency, disagreements.

Live (canary or shadow) the pairs are the request log's rows of one request id and text hash from
both versions: the answer of one and the mirrored prediction of the other. Replay builds the same
rows offline. Texts are shown masked, as the log keeps them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

MAX_DISAGREEMENTS = 20


@dataclass(frozen=True)
class VersionStats:
    version: str
    role: str  # current | candidate
    answered: int
    mirrored: int
    mean_confidence: float | None
    p50_ms: float | None
    p95_ms: float | None
    label_shares: dict[str, float]


@dataclass(frozen=True)
class Comparison:
    deployment: str
    current: VersionStats
    candidate: VersionStats
    pairs: int
    agreement: float | None
    disagreements: list[dict[str, Any]]
    rollout: str  # canary | shadow | replay
    share: float = 0.0
    accuracy: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def version_stats(rows: list[dict], version: str, role: str) -> VersionStats:
    mine = [r for r in rows if r["version"] == version and r["status"] == 200 and r["label"] is not None]
    answered = [r for r in mine if r["route"] != "shadow"]
    labels = [r["label"] for r in mine]
    latencies = list({r["request_id"]: r["latency_ms"] for r in mine}.values())
    return VersionStats(
        version=version,
        role=role,
        answered=len(answered),
        mirrored=len(mine) - len(answered),
        mean_confidence=round(float(np.mean([r["confidence"] for r in mine])), 4) if mine else None,
        p50_ms=_pct(latencies, 50),
        p95_ms=_pct(latencies, 95),
        label_shares={k: round(labels.count(k) / len(labels), 4) for k in sorted(set(labels))},
    )


def paired(rows: list[dict], current: str, candidate: str) -> list[tuple[dict, dict]]:
    """(current row, candidate row) of every text both versions predicted in the same request."""
    by_text: dict[tuple[str, str], dict[str, dict]] = {}
    for r in rows:
        if r["status"] == 200 and r["label"] is not None and r["version"] in (current, candidate):
            by_text.setdefault((r["request_id"], r["text_sha256"]), {})[r["version"]] = r
    return [(v[current], v[candidate]) for v in by_text.values() if len(v) == 2]


def compare(
    deployment: str, rows: list[dict], current: str, candidate: str, rollout: str, share: float = 0.0
) -> Comparison:
    pairs = paired(rows, current, candidate)
    differ = [(a, b) for a, b in pairs if a["label"] != b["label"]]
    disagreements = [
        {"text": a["text_masked"], "current": a["label"], "current_confidence": round(a["confidence"], 4),
         "candidate": b["label"], "candidate_confidence": round(b["confidence"], 4)}
        for a, b in differ[-MAX_DISAGREEMENTS:]
    ]  # fmt: skip
    return Comparison(
        deployment=deployment,
        current=version_stats(rows, current, "current"),
        candidate=version_stats(rows, candidate, "candidate"),
        pairs=len(pairs),
        agreement=round(1 - len(differ) / len(pairs), 4) if pairs else None,
        disagreements=disagreements,
        rollout=rollout,
        share=share,
    )


def live_comparison(name: str, *, home: Any = None, since: float | None = None) -> Comparison | None:
    """The running canary or shadow of deployment ``name`` against its current version (None: no trial)."""
    from workbench.models.registry import Registry
    from workbench.serve.deployments import DeploymentStore
    from workbench.serve.monitor.traffic import read_rows
    from workbench.serve.requestlog import log_path

    registry = Registry(home)
    deployment = DeploymentStore(registry.home, registry).get(name)
    if not deployment.candidate:
        return None
    rows = read_rows(log_path(registry.home), name, max(since or 0.0, deployment.trial_started))
    return compare(name, rows, deployment.version, deployment.candidate, deployment.rollout, deployment.share)


def format_comparison(c: Comparison) -> list[str]:
    head = f"{c.deployment}: {c.current.version} (current) vs {c.candidate.version} (candidate, {c.rollout}"
    head += f" {c.share:g}%)" if c.rollout == "canary" else ")"
    agreement = "-" if c.agreement is None else f"{c.agreement:.1%}"
    lines = [head, f"label agreement: {agreement} on {c.pairs} texts both versions predicted"]
    lines.append(f"  {'version':<32} {'role':<10} {'answered':>8} {'mirrored':>8} {'confidence':>10} "
                 f"{'p50 ms':>8} {'p95 ms':>8}  labels")  # fmt: skip
    for s in (c.current, c.candidate):
        conf = "-" if s.mean_confidence is None else f"{s.mean_confidence:.3f}"
        shares = ", ".join(f"{k} {v:.0%}" for k, v in s.label_shares.items()) or "-"
        lines.append(
            f"  {s.version:<32} {s.role:<10} {s.answered:>8} {s.mirrored:>8} {conf:>10} "
            f"{s.p50_ms if s.p50_ms is not None else '-':>8} {s.p95_ms if s.p95_ms is not None else '-':>8}  {shares}"
        )
    if c.accuracy:
        lines.append(
            f"accuracy on {c.accuracy['labelled']} review-queue labels: current {c.accuracy['current']:.1%}, "
            f"candidate {c.accuracy['candidate']:.1%}"
        )
    if c.disagreements:
        lines.append(f"disagreements (last {len(c.disagreements)}, masked):")
        lines += [
            f"  {d['current']} ({d['current_confidence']:.2f}) vs {d['candidate']} "
            f"({d['candidate_confidence']:.2f}): {d['text'][:100]}"
            for d in c.disagreements
        ]
    return lines
