"""One deployment's monitoring report: traffic, drift against the validation predictions, alerts.

Read by ``workbench monitor``, the Monitoring page and ``GET /v1/models/{name}/health``, so the three
show the same numbers. An alert is a row with the reason in words and the threshold it crossed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import SpecError, WorkbenchError
from workbench.evaluation.drift import (
    DriftCheck,
    confidence_drift,
    label_drift,
    length_check,
    vocabulary_check,
)
from workbench.evaluation.reference_profile import ReferenceProfile, profile_for
from workbench.serve.monitor.traffic import (
    SERVED_ROUTES,
    TrafficSummary,
    read_rows,
    rule_categories,
    summarize,
)
from workbench.serve.requestlog import log_path


def _meta(help_text: str, low: float, high: float | None = None) -> dict[str, Any]:
    return {"help": help_text, "min": low, "max": high}


@dataclass(frozen=True)
class MonitorSpec:
    window: int = field(default=500, metadata=_meta("Most recent predictions compared for drift.", 1))
    since_hours: float | None = field(
        default=None, metadata=_meta("Only traffic of the last N hours (default: all of the log).", 0)
    )
    min_rows: int = field(default=30, metadata=_meta("Fewest predictions before drift is judged.", 1))
    max_error_rate: float = field(
        default=0.05, metadata=_meta("Share of 5xx/429 answers above which an alert is raised.", 0, 1)
    )
    min_requests: int = field(
        default=20, metadata=_meta("Fewest requests before the error rate is judged.", 1)
    )
    max_long_share: float = field(
        default=0.05, metadata=_meta("Share of inputs longer than the training texts that alerts.", 0, 1)
    )
    unseen_margin: float = field(
        default=0.10,
        metadata=_meta("Unseen-vocabulary share above the validation texts' own that alerts.", 0, 1),
    )

    def __post_init__(self) -> None:
        problems = []
        for name, f in self.__dataclass_fields__.items():
            value, low, high = getattr(self, name), f.metadata["min"], f.metadata["max"]
            if value is None:
                continue
            if value < low or (high is not None and value > high):
                bounds = f"at least {low}" if high is None else f"between {low} and {high}"
                problems.append(f"{name.replace('_', '-')} must be {bounds}, got {value}")
        if problems:
            raise SpecError("Invalid monitoring settings: " + "; ".join(problems), problems)

    @property
    def since(self) -> float | None:
        return time.time() - self.since_hours * 3600 if self.since_hours is not None else None


@dataclass(frozen=True)
class Alert:
    kind: str  # drift | errors
    check: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MonitorReport:
    deployment: str
    version: str
    generated: float
    window_rows: int
    reference: dict[str, Any]
    traffic: TrafficSummary
    drift: list[DriftCheck]
    alerts: list[Alert]
    notes: list[str]

    @property
    def status(self) -> str:
        return "alert" if self.alerts else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment, "version": self.version, "status": self.status,
            "generated": self.generated, "window_rows": self.window_rows, "reference": self.reference,
            "traffic": self.traffic.to_dict(), "drift": [d.to_dict() for d in self.drift],
            "alerts": [a.to_dict() for a in self.alerts], "notes": self.notes,
        }  # fmt: skip


def drift_window(rows: list[dict], version: str, size: int) -> list[dict]:
    """The newest ``size`` answered, non-blocked predictions of ``version``."""
    picked = [
        r for r in rows
        if r["version"] == version and r["status"] == 200 and r["route"] in SERVED_ROUTES
        and not r["blocked"] and r["label"] is not None
    ]  # fmt: skip
    return picked[-size:]


def drift_checks(profile: ReferenceProfile, window: list[dict], spec: MonitorSpec) -> list[DriftCheck]:
    """Each statistic of the window against the profile; empty when the window is too small."""
    if len(window) < spec.min_rows:
        return []
    texts = [r["text_masked"] for r in window]
    checks = []
    if profile.categorical:
        checks.append(label_drift(profile.label_counts, [r["label"] for r in window]))
    checks.append(confidence_drift(profile.confidences, [r["confidence"] for r in window]))
    checks.append(length_check(texts, profile.max_chars, spec.max_long_share))
    checks.append(
        vocabulary_check(texts, set(profile.vocabulary), profile.baseline_unseen, spec.unseen_margin)
    )
    return checks


def alerts_for(
    traffic: TrafficSummary, checks: list[DriftCheck], window: int, spec: MonitorSpec
) -> list[Alert]:
    alerts = [
        Alert("drift", c.check, f"{c.check}: {c.statistic} {c.value:g} > threshold {c.threshold:g} "
              f"over the last {window} predictions ({c.detail})")
        for c in checks if c.drifted
    ]  # fmt: skip
    if traffic.requests >= spec.min_requests and traffic.error_rate > spec.max_error_rate:
        alerts.append(
            Alert(
                "errors",
                "error rate",
                f"error rate {traffic.error_rate:.1%} > threshold {spec.max_error_rate:.0%}: "
                f"{traffic.errors} of {traffic.requests} requests failed or were refused "
                f"({traffic.rate_limited} × 429 rate limit, {traffic.overloaded} × 503 queue full)",
            )
        )
    return alerts


def build_report(
    name: str,
    spec: MonitorSpec | None = None,
    *,
    home: Path | None = None,
    rules: Any = None,
    profile: ReferenceProfile | None = None,
) -> MonitorReport:
    """The report of deployment ``name`` (its current version) from the workspace's request log."""
    from workbench.models.registry import Registry
    from workbench.safety import resolve_rules
    from workbench.serve.deployments import DeploymentStore

    spec = spec or MonitorSpec()
    registry = Registry(home)
    version = DeploymentStore(registry.home, registry).get(name).version
    rows = read_rows(log_path(registry.home), name, spec.since)
    traffic = summarize(rows, rule_categories(resolve_rules(rules)))
    window = drift_window(rows, version, spec.window)
    notes: list[str] = []
    try:
        profile = profile or profile_for(version, registry)
    except WorkbenchError as exc:
        notes.append(f"Drift not checked: {exc}")
    if profile is not None and len(window) < spec.min_rows:
        notes.append(
            f"Drift is judged from {spec.min_rows} predictions of {version!r} on; the log holds {len(window)} so far."
        )
    checks = drift_checks(profile, window, spec) if profile else []
    alerts = alerts_for(traffic, checks, len(window), spec)
    reference = (
        {"source": profile.source, "rows": profile.rows, "vocabulary": profile.vocabulary_source,
         "max_chars": profile.max_chars, "label_counts": profile.label_counts}
        if profile else {}
    )  # fmt: skip
    return MonitorReport(name, version, time.time(), len(window), reference, traffic, checks, alerts, notes)
