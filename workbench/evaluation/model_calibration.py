"""A model's temperature: fitted after training, re-checked for each variant, kept with the model.

Training fits the temperature on the validation split and keeps those texts (as the model reads them,
after its preprocessing, so masked personal data stays masked) in ``calibration_set.json`` in the
model folder. A variant computes differently from its parent (int8, fewer layers, a distilled
student), so it inherits the parent's temperature only after re-fitting on the same texts: when the
refit lands within 5 % of the parent's temperature the parent's is kept, otherwise the refit is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from workbench.evaluation.calibration import calibrate, describe, fit_temperature, report
from workbench.fsutil import atomic_write_json, read_json

CALIBRATION_SET_FILE = "calibration_set.json"
MAX_CALIBRATION_ROWS = 5000
INHERIT_TOLERANCE = 0.05  # relative change of the temperature under which a variant keeps its parent's


def calibration_off(reason: str) -> dict[str, Any]:
    return {"temperature": 1.0, "skipped": reason}


def fit_model_calibration(loaded: Any, ds: Any, raw_logits: np.ndarray) -> dict[str, Any] | None:
    """Fit ``loaded``'s temperature on a labelled dataset (its raw logits given); None when the task
    has no class probabilities."""
    kind = loaded.task.calibration()
    if kind is None:
        return None
    targets = loaded.task.encode_targets(ds.frame["label"].tolist(), loaded.labels)
    return {**calibrate(kind, raw_logits, targets), "source": "fitted"}


def write_calibration_set(folder: Path, loaded: Any, ds: Any) -> None:
    """Keep the validation texts the temperature was fitted on, for re-checking variants."""
    rows = min(len(ds), MAX_CALIBRATION_ROWS)
    pairs = ds.text_pairs[:rows] if ds.text_pairs is not None else None
    atomic_write_json(
        folder / CALIBRATION_SET_FILE,
        {
            "texts": loaded.prepare_texts(ds.texts[:rows]),
            "pairs": loaded.prepare_texts(pairs) if pairs is not None else None,
            "labels": [_plain(v) for v in ds.frame["label"].tolist()[:rows]],
        },
    )


def _plain(value: Any) -> Any:
    """A label value as JSON holds it (multi-label rows are lists; numpy scalars become Python)."""
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def read_calibration_set(folder: Path) -> dict[str, Any] | None:
    data = read_json(folder / CALIBRATION_SET_FILE)
    return data if isinstance(data, dict) and data.get("texts") else None


def recheck_for_variant(parent: Any, variant: Any, parent_folder: Path, folder: Path) -> dict[str, Any]:
    """The variant's calibration: the parent's temperature if a refit on the same texts confirms it,
    else the refit. ``parent``/``variant`` are the records, ``variant`` loaded (``LoadedModel``)."""
    inherited = parent.extra.get("calibration") or {}
    kind = variant.task.calibration()
    if kind is None:
        return calibration_off("the task has no class probabilities")
    if inherited.get("skipped") or "temperature" not in inherited:
        return calibration_off(f"the parent is not calibrated: {inherited.get('skipped', 'no temperature')}")
    calibration_set = read_calibration_set(parent_folder)
    if calibration_set is None:
        return calibration_off(f"the parent's validation texts ({CALIBRATION_SET_FILE}) are missing")
    atomic_write_json(folder / CALIBRATION_SET_FILE, calibration_set)  # a stacked variant re-checks too
    raw = variant.logits(calibration_set["texts"], calibration_set["pairs"], calibrated=False)
    targets = variant.task.encode_targets(calibration_set["labels"], variant.labels)
    parent_t = float(inherited["temperature"])
    refit = fit_temperature(kind, raw, targets)
    moved = abs(refit - parent_t) > INHERIT_TOLERANCE * parent_t
    chosen = refit if moved else parent_t
    return {
        **report(kind, raw, targets, chosen),
        "source": "refit" if moved else "inherited",
        "parent_temperature": parent_t,
        "refit_temperature": round(refit, 6),
    }


__all__ = [
    "CALIBRATION_SET_FILE",
    "calibration_off",
    "describe",
    "fit_model_calibration",
    "read_calibration_set",
    "recheck_for_variant",
    "write_calibration_set",
]
