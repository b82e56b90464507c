"""One served model version: the loaded model, its micro-batcher and its slice of the cache.

Every prediction goes through ``workbench.inference.checked.predict_checked``, the function behind
``workbench predict`` and the Explain page: the input rules run first (a blocked text never reaches
the model), then the model, then the output rules. The server only changes *how the model is
called*: ``ServedModel`` stands in for the loaded model, answers from the cache what it can and sends
the rest through the batcher, whose forward pass is the model's own ``predict``. So the REST route,
the Gradio demo and the CLI give the same answer for the same text and version.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.inference.checked import CheckedPrediction, predict_checked
from workbench.models.registry import Registry
from workbench.progress import ProgressCallback, no_progress
from workbench.safety import RuleSet
from workbench.serve.batcher import MicroBatcher
from workbench.serve.cache import PredictionCache
from workbench.serve.metrics import ServeMetrics
from workbench.serve.settings import ServeSettings
from workbench.tasks import Prediction

Item = tuple[str, str | None]


class CacheMiss(Exception):
    """A cache-only call met a text the cache does not hold (the caller takes the model path)."""


@dataclass
class ServedPrediction:
    checked: CheckedPrediction
    cached: bool


class ModelRuntime:
    """A loaded version ready to serve; thread-safe, shared by every request to that version."""

    def __init__(self, loaded: Any, settings: ServeSettings, cache: PredictionCache, metrics: ServeMetrics):
        self.loaded = loaded
        self.version: str = loaded.id
        self.cache = cache
        self.metrics = metrics
        self.batcher: MicroBatcher[Item, Prediction] | None = (
            MicroBatcher(
                self._forward,
                max_batch_size=settings.max_batch_size,
                max_wait_s=settings.max_wait_s,
                max_queue=settings.max_queue,
                observer=metrics.batch_observer(self.version),
            )
            if settings.batching
            else None
        )
        self.max_batch_size = settings.max_batch_size

    @property
    def task(self) -> Any:
        return self.loaded.task

    def _forward(self, items: list[Item]) -> list[Prediction]:
        """One forward pass over a batch (the model's own ``predict``: length-sorted, no gradients)."""
        texts = [t for t, _ in items]
        pairs = None if all(p is None for _, p in items) else [p or "" for _, p in items]
        return self.loaded.predict(texts, pairs, batch_size=max(self.max_batch_size, 1))

    def cache_keys(self, texts: Sequence[str], pairs: Sequence[str] | None) -> list[tuple]:
        """(version, text, pair) as the model reads them (its own preprocessing normalises them)."""
        prepared = self.loaded.prepare_texts(texts)
        prepared_pairs = self.loaded.prepare_texts(pairs) if pairs is not None else [None] * len(texts)
        return [(self.version, t, p) for t, p in zip(prepared, prepared_pairs, strict=True)]

    def all_cached(self, texts: Sequence[str], pairs: Sequence[str] | None) -> bool:
        return self.cache.enabled and all(self.cache.contains(k) for k in self.cache_keys(texts, pairs))

    def predict(
        self, texts: Sequence[str], pairs: Sequence[str] | None, rules: RuleSet, *, cache_only: bool = False
    ) -> list[ServedPrediction]:
        """Every text with its safety verdict; ``cache_only`` raises ``CacheMiss`` instead of waiting
        for the model (the server answers cached texts without a worker thread)."""
        model = ServedModel(self, cache_only=cache_only)
        checked = predict_checked(model, texts, pairs, rules=rules)
        return [ServedPrediction(c, i in model.cached_rows) for i, c in enumerate(checked)]

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.close()


@dataclass
class ServedModel:
    """What ``predict_checked`` calls as "the model" for one request: cache first, then the batcher."""

    runtime: ModelRuntime
    cache_only: bool = False
    cached_rows: set[int] = field(default_factory=set)

    @property
    def task(self) -> Any:
        return self.runtime.task

    @property
    def id(self) -> str:
        return self.runtime.version

    def predict(
        self,
        texts: Sequence[str],
        pairs: Sequence[str] | None = None,
        *,
        batch_size: int = 32,
        progress: ProgressCallback = no_progress,
    ) -> list[Prediction]:
        runtime = self.runtime
        version = runtime.version
        keys = runtime.cache_keys(texts, pairs)
        results: list[Prediction | None] = [runtime.cache.get(k) for k in keys]
        hits = sum(r is not None for r in results)
        if runtime.cache.enabled:
            runtime.metrics.cache_hits.labels(version).inc(hits)
            runtime.metrics.cache_misses.labels(version).inc(len(keys) - hits)
        self.cached_rows = {i for i, r in enumerate(results) if r is not None}
        missing = [i for i, r in enumerate(results) if r is None]
        if missing and self.cache_only:
            raise CacheMiss(f"{len(missing)} of {len(texts)} texts are not cached")
        if missing:
            items = [(texts[i], pairs[i] if pairs is not None else None) for i in missing]
            fresh = runtime.batcher.call(items) if runtime.batcher else runtime._forward(items)
            for i, prediction in zip(missing, fresh, strict=True):
                results[i] = prediction
                runtime.cache.put(keys[i], prediction)
        return results  # type: ignore[return-value]


class Runtimes:
    """Versions loaded on demand (once, even under concurrent first requests) and kept while serving."""

    def __init__(self, settings: ServeSettings, metrics: ServeMetrics, registry: Registry | None = None):
        self.settings = settings
        self.metrics = metrics
        self.registry = registry or Registry()
        self.cache = PredictionCache(settings.cache_entries, int(settings.cache_mb * 2**20))
        self._runtimes: dict[str, ModelRuntime] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def loaded(self, version: str) -> bool:
        return version in self._runtimes

    def peek(self, version: str) -> ModelRuntime | None:
        """The runtime when the version is loaded already (no lock, no thread hop)."""
        return self._runtimes.get(version)

    def get(self, version: str) -> ModelRuntime:
        runtime = self._runtimes.get(version)
        if runtime is not None:
            return runtime
        with self._guard:
            lock = self._locks.setdefault(version, threading.Lock())
        with lock:
            if version not in self._runtimes:
                from workbench.inference.predict import MODEL_CACHE

                started = time.perf_counter()
                loaded = MODEL_CACHE.get(version, self.registry)
                self.metrics.model_load.labels(version).set(time.perf_counter() - started)
                self._runtimes[version] = ModelRuntime(loaded, self.settings, self.cache, self.metrics)
            return self._runtimes[version]

    def close(self) -> None:
        for runtime in list(self._runtimes.values()):
            runtime.close()
