"""Prediction services that read and return tables (CLI ``predict``, the UI's pages).

Every prediction made here is judged by the safety rules (see ``workbench.inference.checked``): the
rows say which rules fired, whether the text was blocked (no label, the reason given) and whether a
person should review it. Hit columns carry rule ids, spans and masked previews only, never the
matched personal data; ``mask_pii`` also masks it in the text columns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from workbench.errors import DataError
from workbench.inference.checked import CheckedPrediction, predict_checked
from workbench.inference.generation import GenerationSpec
from workbench.inference.predict import MODEL_CACHE
from workbench.progress import ProgressCallback, no_progress
from workbench.safety import RuleSet, resolve_rules
from workbench.safety.placeholders import DEFAULT_STYLE

MAX_PREDICT_ROWS = 1_000_000
SAFETY_COLUMNS = ("safety_hits", "safety_details", "blocked", "block_reason", "needs_review")
Rules = RuleSet | str | os.PathLike[str] | None


def predict_texts(
    model_id: str,
    texts: Sequence[str],
    pairs: Sequence[str] | None = None,
    *,
    rules: Rules = None,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
    generation: GenerationSpec | None = None,
    placeholders: str = DEFAULT_STYLE,
) -> list[CheckedPrediction]:
    """Predictions of the registry model ``model_id`` with the safety verdict of each text.

    ``rules``: a ``RuleSet``, or a rule file extending the defaults; None uses the workspace rule
    file when there is one, else the default rules. ``placeholders``: how a translation model reads
    personal data (a style of ``workbench.safety.placeholders``).
    """
    rule_set = resolve_rules(rules)  # a broken rule file fails before the model loads
    loaded = MODEL_CACHE.get(model_id)
    return predict_checked(
        loaded, texts, pairs, rules=rule_set, batch_size=batch_size, progress=progress, generation=generation,
        placeholders=placeholders,
    )  # fmt: skip


def predict_frame(
    model_id: str,
    frame: pd.DataFrame,
    *,
    text_col: str = "text",
    text_pair_col: str | None = None,
    batch_size: int = 32,
    rules: Rules = None,
    mask_pii: bool = False,
    progress: ProgressCallback = no_progress,
    generation: GenerationSpec | None = None,
) -> pd.DataFrame:
    """The input columns plus ``pred_label``, ``pred_score``, one ``prob_<label>`` column per label and
    the safety columns: ``safety_hits`` (rule ids), ``safety_details`` (JSON: spans, masked previews),
    ``blocked``, ``block_reason`` and ``needs_review``. Blocked rows have an empty label and score.

    ``mask_pii=True`` replaces the text column(s) by their masked form (``[EMAIL]``...).
    """
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
    rule_set = resolve_rules(rules)
    loaded = MODEL_CACHE.get(model_id)
    texts = frame[text_col].fillna("").astype(str).tolist()
    pairs = frame[text_pair_col].fillna("").astype(str).tolist() if text_pair_col else None
    checked = predict_checked(
        loaded, texts, pairs, rules=rule_set, batch_size=batch_size, progress=progress, generation=generation
    )
    out = frame.copy()
    if mask_pii:
        out[text_col] = [c.safety.masked_text for c in checked]
        if text_pair_col:
            out[text_pair_col] = [c.pair_safety.masked_text if c.pair_safety else "" for c in checked]
    labels = loaded.task.probability_columns(loaded.labels) if not loaded.task.predicts_value else []
    for column, values in prediction_columns(checked, labels).items():
        out[column] = values
    if mask_pii and loaded.task.generates_text:  # the translation holds the source's restored values
        out["pred_label"] = [c.masked_output for c in checked]
    return out


def prediction_columns(checked: Sequence[CheckedPrediction], labels: Sequence[str]) -> dict[str, list]:
    """The columns a prediction run adds, in order; a blocked row's label is empty, its scores NaN."""
    predictions = [c.prediction for c in checked]
    columns: dict[str, list] = {
        "pred_label": [
            "" if p is None else "|".join(p.label) if isinstance(p.label, list) else p.label
            for p in predictions
        ],
        "pred_score": [float("nan") if p is None else round(p.score, 6) for p in predictions],
    }
    if any(p is not None and p.entities is not None for p in predictions):
        columns["entities"] = [json.dumps(p.entities if p else None, ensure_ascii=False) for p in predictions]
    for label in labels:
        columns[f"prob_{label}"] = [
            float("nan") if p is None else round(p.probabilities.get(label, 0.0), 6) for p in predictions
        ]
    columns["safety_hits"] = [", ".join(c.rule_ids()) for c in checked]
    columns["safety_details"] = [json.dumps(c.hit_records(), ensure_ascii=False) for c in checked]
    columns["blocked"] = [c.blocked for c in checked]
    columns["block_reason"] = [c.block_reason or "" for c in checked]
    columns["needs_review"] = [c.needs_review for c in checked]
    notes = [" | ".join(c.notes) for c in checked]
    if any(notes):  # only when a model rule could not read some text (Chinese for an English model)
        columns["safety_notes"] = notes
    return columns


def predict_file(model_id: str, path: str | Path, **kwargs: object) -> pd.DataFrame:
    from workbench.data import read_table

    return predict_frame(model_id, read_table(path), **kwargs)  # type: ignore[arg-type]
