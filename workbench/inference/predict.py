"""Prediction: batched, length-sorted, no gradients. Used by evaluation, the CLI, the UI and serving."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import RegistryError
from workbench.models.registry import ModelRecord, Registry
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.tasks import Prediction, Task, get_task

DEFAULT_BATCH_SIZE = 32


@dataclass
class LoadedModel:
    """A registry model in memory, ready to predict. Treat as read-only: it may be shared."""

    record: ModelRecord
    model: Any
    tokenizer: Any
    task: Task
    path: Path

    @property
    def labels(self) -> list[str]:
        return self.record.labels

    @property
    def id(self) -> str:
        return self.record.id

    def prepare_texts(self, texts: Sequence[str]) -> list[str]:
        """Apply the preprocessing the model was trained with (NFKC, PII masking...)."""
        spec = self.record.preprocess
        texts = ["" if t is None else str(t) for t in texts]
        if not spec or not any(spec.values()):
            return texts
        from workbench.data import PreprocessSpec, apply_preprocess

        return apply_preprocess(texts, PreprocessSpec(**spec))

    def encode(self, texts: Sequence[str], pairs: Sequence[str] | None = None) -> list[dict[str, list[int]]]:
        pairs_list = self.prepare_texts(pairs) if pairs is not None else None
        return self.task.tokenize(
            self.tokenizer, self.prepare_texts(texts), pairs_list, self.record.max_length
        )

    @property
    def temperature(self) -> float:
        """The temperature fitted on the validation split after training (1.0: not calibrated)."""
        return float((self.record.extra.get("calibration") or {}).get("temperature") or 1.0)

    def calibrate(self, logits: np.ndarray) -> np.ndarray:
        """Where raw logits become the ones every probability is read from (prediction, review
        routing, explanations, comparisons): divided by the model's temperature. The argmax is
        unchanged; tasks without class probabilities (regression) are returned as they are."""
        if self.temperature == 1.0 or self.task.calibration() is None:
            return logits
        return logits / self.temperature

    def logits(
        self,
        texts: Sequence[str],
        pairs: Sequence[str] | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback = no_progress,
        calibrated: bool = False,
    ) -> np.ndarray:
        """Raw model outputs, one row per text, in input order; ``calibrated=True`` divides them by the
        temperature (what ``predict`` turns into probabilities)."""
        features = self.encode(texts, pairs)
        raw = run_batches(self.model, self.tokenizer, features, batch_size=batch_size, progress=progress)
        return self.calibrate(raw) if calibrated else raw

    def predict(
        self,
        texts: Sequence[str],
        pairs: Sequence[str] | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback = no_progress,
        **options: Any,
    ) -> list[Prediction]:
        """``options``: the task's own (seq2seq: ``generation``, a ``GenerationSpec``)."""
        if len(texts) == 0:
            return []
        return self.task.predict(self, texts, pairs, batch_size=batch_size, progress=progress, **options)


def run_batches(
    model: Any,
    tokenizer: Any,
    features: list[dict[str, list[int]]],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback = no_progress,
) -> np.ndarray:
    """Forward passes over length-sorted batches, each padded only to its own longest input."""
    import torch

    order = np.argsort([len(f["input_ids"]) for f in features], kind="stable")
    outputs: list[np.ndarray] = [None] * len(features)  # type: ignore[list-item]
    total = (len(features) + batch_size - 1) // batch_size
    model.eval()
    with torch.inference_mode():
        for step, start in enumerate(range(0, len(order), batch_size), start=1):
            idx = order[start : start + batch_size]
            batch = tokenizer.pad([features[i] for i in idx], return_tensors="pt")
            logits = model(**batch).logits.float().numpy()
            for row, i in enumerate(idx):  # per-token logits (3-D) lose their batch padding
                outputs[i] = logits[row] if logits.ndim == 2 else logits[row, : len(features[i]["input_ids"])]
            progress(ProgressEvent(kind="step", step=step, total_steps=total, message="predicting"))
    return _stacked(outputs)


def max_abs_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference of two ``run_batches`` results, row by row (per-token outputs
    differ in length from text to text)."""
    return max(
        (float(np.abs(np.asarray(x) - np.asarray(y)).max()) for x, y in zip(a, b, strict=True)), default=0.0
    )


def _stacked(outputs: list[np.ndarray]) -> np.ndarray:
    """One array per text stacked; per-token outputs of different lengths as an object array."""
    if not outputs:
        return np.zeros((0, 0))
    if len({o.shape for o in outputs}) == 1:
        return np.stack(outputs)
    ragged = np.empty(len(outputs), dtype=object)
    ragged[:] = outputs
    return ragged


class ModelCache:
    """A small thread-safe LRU of loaded models, keyed by id and record time, shared by sessions."""

    def __init__(self, capacity: int = 3) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, str, float], LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, model_id: str, registry: Registry | None = None) -> LoadedModel:
        registry = registry or Registry()
        record = registry.get(model_id)
        key = (str(registry.root), record.id, record.created)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        loaded = load_model(record.id, registry)
        with self._lock:
            self._items[key] = loaded
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return loaded

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


MODEL_CACHE = ModelCache()


def load_model(model_id: str, registry: Registry | None = None) -> LoadedModel:
    """Load a registry model (any kind) with its tokenizer and task."""
    from workbench.inference.loaders import LOADERS, loader_name
    from workbench.models.loading import load_tokenizer

    registry = registry or Registry()
    record = registry.get(model_id)
    folder = registry.path(record.id)
    name = loader_name(record)
    if name not in LOADERS:
        _import_plugins()
    if name not in LOADERS:
        raise RegistryError(f"Model {record.id!r} needs the {name!r} loader, which is not available.")
    model = LOADERS[name](record, folder)
    model.eval()
    tokenizer = load_tokenizer(str(folder))
    return LoadedModel(
        record=record, model=model, tokenizer=tokenizer, task=get_task(record.task), path=folder
    )


def _import_plugins() -> None:
    """Packages that register extra loaders (variants) are imported on demand."""
    import importlib

    for module in ("workbench.variants",):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
