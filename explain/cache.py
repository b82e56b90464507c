"""Explanations cached in the workspace, keyed by (model id + creation time, text, settings).

A model re-trained under the same id gets a new creation time, so stale explanations are never
served. Entries are JSON written atomically; floats round-trip exactly, so a hit returns the same
values as the run that stored it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from workbench.config import workspace_home
from workbench.fsutil import atomic_write_json, read_json

# bump when the explanation algorithm changes what the same settings produce (2: max_evals is taken
# literally, no longer capped at n(n-1)+2)
CACHE_VERSION = 2


def cache_key(model_id: str, created: float, text: str, pair: str | None, settings: dict[str, Any]) -> str:
    payload = {
        "v": CACHE_VERSION,
        "model": model_id,
        "created": created,
        "text": text,
        "pair": pair,
        "settings": settings,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class ExplanationCache:
    """Folder of ``<key>.json`` files under ``$WORKBENCH_HOME/cache/explain``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else workspace_home() / "cache" / "explain"

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            data = read_json(self.path(key))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None  # a damaged entry is recomputed and overwritten
        return data if isinstance(data, dict) else None

    def put(self, key: str, data: dict[str, Any]) -> None:
        atomic_write_json(self.path(key), data)

    def clear(self) -> int:
        removed = 0
        for file in self.root.glob("*/*.json"):
            file.unlink(missing_ok=True)
            removed += 1
        return removed
