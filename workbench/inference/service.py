"""Prediction services that read and return tables (CLI ``predict``, the UI's batch prediction)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.errors import DataError
from workbench.inference.predict import MODEL_CACHE
from workbench.progress import ProgressCallback, no_progress

MAX_PREDICT_ROWS = 1_000_000


def predict_frame(
    model_id: str,
    frame: pd.DataFrame,
    *,
    text_col: str = "text",
    text_pair_col: str | None = None,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
) -> pd.DataFrame:
    """The input columns plus ``pred_label``, ``pred_score`` and one ``prob_<label>`` column per label."""
    missing = [c for c in (text_col, text_pair_col) if c and c not in frame.columns]
    if missing:
        raise DataError(
            f"Column(s) {', '.join(map(repr, missing))} not found. The file has: "
            f"{', '.join(map(repr, frame.columns))}. Pass --text-col with one of those."
        )
    if len(frame) > MAX_PREDICT_ROWS:
        raise DataError(
            f"{len(frame):,} rows is more than the {MAX_PREDICT_ROWS:,} a prediction run takes; split the file."
        )
    loaded = MODEL_CACHE.get(model_id)
    texts = frame[text_col].fillna("").astype(str).tolist()
    pairs = frame[text_pair_col].fillna("").astype(str).tolist() if text_pair_col else None
    predictions = loaded.predict(texts, pairs, batch_size=batch_size, progress=progress)
    out = frame.copy()
    out["pred_label"] = ["|".join(p.label) if isinstance(p.label, list) else p.label for p in predictions]
    out["pred_score"] = [round(p.score, 6) for p in predictions]
    for label in loaded.labels if loaded.task.name != "regression" else []:
        out[f"prob_{label}"] = [round(p.probabilities.get(label, 0.0), 6) for p in predictions]
    return out


def predict_file(model_id: str, path: str | Path, **kwargs: object) -> pd.DataFrame:
    from workbench.data import read_table

    return predict_frame(model_id, read_table(path), **kwargs)  # type: ignore[arg-type]
