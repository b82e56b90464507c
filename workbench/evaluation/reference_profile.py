"""What a model's traffic is compared with: its own predictions on its validation split.

Training stores ``reference_profile.json`` beside the model: the predicted-label counts and the
confidences on the validation texts, the length of the longest training text, the training
vocabulary (the most frequent words) and how many validation words fall outside it. A model trained
before this existed, or a variant, gets its profile on demand from the validation texts kept for
calibration (``calibration_set.json``); its vocabulary is then the validation texts' own.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import RegistryError
from workbench.evaluation.drift import unseen_share, words
from workbench.fsutil import atomic_write_json, read_json

PROFILE_FILE = "reference_profile.json"
MAX_VOCABULARY = 20_000
MAX_ROWS = 5_000


@dataclass(frozen=True)
class ReferenceProfile:
    model_id: str
    source: str
    rows: int
    label_counts: dict[str, int]
    categorical: bool
    confidences: list[float]
    max_chars: int
    vocabulary: frozenset[str]
    vocabulary_source: str
    baseline_unseen: float

    def to_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id, "source": self.source, "rows": self.rows,
            "label_counts": self.label_counts, "categorical": self.categorical,
            "confidences": self.confidences, "max_chars": self.max_chars,
            "vocabulary": sorted(self.vocabulary), "vocabulary_source": self.vocabulary_source,
            "baseline_unseen": self.baseline_unseen,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReferenceProfile:
        return cls(**{**data, "vocabulary": frozenset(data["vocabulary"])})


def label_key(label: Any) -> str:
    """A label as the request log writes it (multi-label rows as a JSON list)."""
    return json.dumps(label) if isinstance(label, list) else str(label)


def build_profile(
    loaded: Any,
    val_texts: Sequence[str],
    val_pairs: Sequence[str] | None,
    train_texts: Sequence[str] | None,
    source: str,
) -> ReferenceProfile:
    """Predict the validation texts with ``loaded`` and describe them (texts as the model reads them)."""
    rows = min(len(val_texts), MAX_ROWS)
    texts, pairs = list(val_texts[:rows]), list(val_pairs[:rows]) if val_pairs is not None else None
    predictions = loaded.predict(texts, pairs)
    vocab_texts = (
        loaded.prepare_texts(train_texts) if train_texts is not None else loaded.prepare_texts(texts)
    )
    counts = Counter(w for t in vocab_texts for w in words(t))
    vocabulary = frozenset(w for w, _ in counts.most_common(MAX_VOCABULARY))
    prepared = loaded.prepare_texts(texts)
    return ReferenceProfile(
        model_id=loaded.id,
        source=source,
        rows=rows,
        label_counts=dict(Counter(label_key(p.label) for p in predictions)),
        categorical=not all(isinstance(p.label, int | float) for p in predictions),
        confidences=[round(float(p.score), 5) for p in predictions],
        max_chars=max((len(t) for t in vocab_texts), default=0),
        vocabulary=vocabulary,
        vocabulary_source="training texts" if train_texts is not None else "validation texts",
        baseline_unseen=round(unseen_share(prepared, set(vocabulary)), 4),
    )


def write_profile(folder: Path, profile: ReferenceProfile) -> None:
    atomic_write_json(Path(folder) / PROFILE_FILE, profile.to_json())


def read_profile(folder: Path) -> ReferenceProfile | None:
    data = read_json(Path(folder) / PROFILE_FILE)
    return ReferenceProfile.from_json(data) if isinstance(data, dict) and data.get("confidences") else None


def profile_for(model_id: str, registry: Any = None) -> ReferenceProfile:
    """The stored profile of a registry model, computed (and stored) from its validation texts when it
    has none yet; raises with the fix when the model kept no validation texts either."""
    from workbench.evaluation.model_calibration import CALIBRATION_SET_FILE, read_calibration_set
    from workbench.inference.predict import MODEL_CACHE
    from workbench.models.registry import Registry

    registry = registry or Registry()
    folder = registry.path(registry.get(model_id).id)
    stored = read_profile(folder)
    if stored is not None:
        return stored
    calibration_set = read_calibration_set(folder)
    if calibration_set is None:
        raise RegistryError(
            f"Model {model_id!r} has no validation predictions to compare traffic with: neither "
            f"{PROFILE_FILE} nor {CALIBRATION_SET_FILE} is in {folder}. Retrain it (training stores them), "
            "or deploy a model trained with this version of the workbench."
        )
    loaded = MODEL_CACHE.get(model_id, registry)
    profile = build_profile(
        loaded,
        calibration_set["texts"],
        calibration_set.get("pairs"),
        None,
        f"on demand from {CALIBRATION_SET_FILE}",
    )
    write_profile(folder, profile)
    return profile
