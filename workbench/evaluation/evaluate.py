"""``evaluate``: metrics of a registry model on a labelled file, the same path training reports with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.data import ColumnMap, TextDataset, load_dataset
from workbench.inference.predict import MODEL_CACHE, LoadedModel
from workbench.progress import ProgressCallback, no_progress


@dataclass
class EvalResult:
    metrics: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    logits: np.ndarray | None = None
    report: str = ""  # the task's own printed report (token classification: the CoNLL report)
    json_extra: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics, **self.json_extra}


def evaluate_dataset(
    loaded: LoadedModel, ds: TextDataset, *, batch_size: int = 32, progress: ProgressCallback = no_progress
) -> EvalResult:
    metrics, details, logits = loaded.task.evaluate(loaded, ds, batch_size=batch_size, progress=progress)
    details["rows"] = len(ds)
    return EvalResult(
        metrics=metrics,
        details=details,
        logits=logits,
        report=loaded.task.format_report(metrics, details),
        json_extra=loaded.task.json_report(details),
    )


def load_eval_data(loaded: LoadedModel, path: str | Path, columns: ColumnMap) -> TextDataset:
    """Read a labelled file against the model's task and label set (unknown labels are an error).

    An evaluation file is never split, so it needs no minimum size (a regression model has no label
    set, which would otherwise make it look like training data).
    """
    return load_dataset(path, columns, loaded.record.task, labels=loaded.labels or None, needs_split=False)


def evaluate(
    model_id: str,
    path: str | Path,
    columns: ColumnMap,
    *,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
) -> EvalResult:
    loaded = MODEL_CACHE.get(model_id)
    return evaluate_dataset(
        loaded, load_eval_data(loaded, path, columns), batch_size=batch_size, progress=progress
    )
