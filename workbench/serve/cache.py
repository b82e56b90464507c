"""The prediction cache: an LRU (``cachetools``) keyed by (version, normalised text), bounded twice.

Only the model's output is cached, never the safety verdict: the rules run on every request (they may
change while the server runs, and their spans index the text exactly as sent). The text is normalised
the way the model itself reads it (its training preprocessing: NFKC, lower-casing, HTML stripping,
PII masking), so texts the model cannot tell apart share an entry, and the version is part of the
key, so an entry is never shared across versions. Bounded in entries and in (estimated) bytes.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Hashable
from dataclasses import dataclass

from cachetools import LRUCache

from workbench.tasks import Prediction

ENTRY_OVERHEAD_BYTES = 240  # key tuple, dataclass, dict: measured roughly with tracemalloc


def entry_bytes(key: tuple[Hashable, ...], value: Prediction) -> int:
    text_bytes = sum(sys.getsizeof(part) for part in key if isinstance(part, str))
    return ENTRY_OVERHEAD_BYTES + text_bytes + 100 * len(value.probabilities)


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    hits: int
    misses: int


class PredictionCache:
    """Thread-safe LRU of ``Prediction`` s; ``max_entries=0`` turns it off."""

    def __init__(self, max_entries: int = 10_000, max_bytes: int = 32 * 2**20) -> None:
        self.max_entries = max_entries
        self._lru: LRUCache[tuple[Hashable, ...], tuple[Prediction, int]] = LRUCache(
            maxsize=max(1, max_bytes), getsizeof=lambda item: item[1]
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def get(self, key: tuple[Hashable, ...]) -> Prediction | None:
        if not self.enabled:
            return None
        with self._lock:
            item = self._lru.get(key)
            if item is None:
                self.misses += 1
                return None
            self.hits += 1
            return item[0]

    def contains(self, key: tuple[Hashable, ...]) -> bool:
        """Whether ``key`` is cached (not counted as a hit or miss, LRU order unchanged)."""
        with self._lock:
            return key in self._lru

    def put(self, key: tuple[Hashable, ...], value: Prediction) -> None:
        if not self.enabled:
            return
        size = entry_bytes(key, value)
        if size > self._lru.maxsize:
            return  # larger than the whole cache: not worth evicting everything for
        with self._lock:
            self._lru[key] = (value, size)
            while len(self._lru) > self.max_entries:
                self._lru.popitem()

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(len(self._lru), int(self._lru.currsize), self.hits, self.misses)
