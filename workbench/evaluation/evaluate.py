"""``evaluate``: metrics of a registry model on a labelled file, the same path training reports with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.data import ColumnMap, TextDataset, load_dataset
from workbench.evaluation.calibration import report
from workbench.inference.predict import MODEL_CACHE, LoadedModel
from workbench.progress import ProgressCallback, no_progress


@dataclass
class EvalResult:
    metrics: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    logits: np.ndarray | None = None  # calibrated, as the model predicts
    calibration: dict[str, Any] | None = None  # temperature, ECE/Brier/bins before and after
    report: str = ""  # the task's own printed report (token classification: the CoNLL report)
    json_extra: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metrics": self.metrics, **self.json_extra}
        if self.calibration is not None:
            out["calibration"] = self.calibration
        return out


def evaluate_dataset(
    loaded: LoadedModel,
    ds: TextDataset,
    *,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
    raw_logits: np.ndarray | None = None,
    task_options: dict[str, Any] | None = None,
) -> EvalResult:
    """Metrics of the model as it predicts (calibrated probabilities), plus, for tasks with class
    probabilities, ECE and Brier before and after calibration. ``raw_logits`` skips the forward pass
    when the caller already has them (training fits the temperature on the same logits). Tasks whose
    outputs are not class probabilities evaluate themselves (``Task.evaluate``), with their own
    ``task_options`` (seq2seq: ``generation``, ``tokenize``)."""
    task = loaded.task
    kind = task.calibration()
    if kind is None:
        metrics, details, logits = task.evaluate(
            loaded, ds, batch_size=batch_size, progress=progress, **(task_options or {})
        )
        details["rows"] = len(ds)
        return EvalResult(
            metrics=metrics,
            details=details,
            logits=logits,
            report=task.format_report(metrics, details),
            json_extra=task.json_report(details),
        )
    if raw_logits is None:
        raw_logits = loaded.logits(
            ds.texts, ds.text_pairs, batch_size=batch_size, progress=progress, calibrated=False
        )
    logits = loaded.calibrate(raw_logits)
    targets = task.encode_targets(ds.frame["label"].tolist(), loaded.labels)
    metrics, details = task.metrics(logits, targets, loaded.labels)
    details["rows"] = len(ds)
    calibration = None
    if len(ds):
        calibration = report(kind, raw_logits, targets, loaded.temperature)
        metrics.update(calibration_metrics(calibration))
    return EvalResult(
        metrics=metrics,
        details=details,
        logits=logits,
        calibration=calibration,
        report=task.format_report(metrics, details),
        json_extra=task.json_report(details),
    )


def calibration_metrics(calibration: dict[str, Any]) -> dict[str, float]:
    """ECE and Brier of the model as it predicts; the uncalibrated ones too when a temperature applies."""
    after, before = calibration["after"], calibration["before"]
    out = {"ece": after["ece"], "brier": after["brier"]}
    if calibration["temperature"] != 1.0:
        out |= {"ece_uncalibrated": before["ece"], "brier_uncalibrated": before["brier"]}
    return out


def load_eval_data(
    loaded: LoadedModel, path: str | Path, columns: ColumnMap, target_file: str | Path | None = None
) -> TextDataset:
    """Read a labelled file against the model's task and label set (unknown labels are an error).

    An evaluation file is never split, so it needs no minimum size (a regression model has no label
    set, which would otherwise make it look like training data).
    """
    return load_dataset(
        path,
        columns,
        loaded.record.task,
        labels=loaded.labels or None,
        needs_split=False,
        target_file=target_file,
    )


def evaluate(
    model_id: str,
    path: str | Path,
    columns: ColumnMap,
    *,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
    task_options: dict[str, Any] | None = None,
    target_file: str | Path | None = None,
) -> EvalResult:
    """``target_file``: ``path`` and it are aligned plain-text files (seq2seq sources and references)."""
    loaded = MODEL_CACHE.get(model_id)
    return evaluate_dataset(
        loaded,
        load_eval_data(loaded, path, columns, target_file),
        batch_size=batch_size,
        progress=progress,
        task_options=task_options,
    )
