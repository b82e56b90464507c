"""Progress reporting shared by every long job: core functions take a callback and print nothing.

The CLI consumes events with a tqdm bar, the worker process writes them to ``metrics.jsonl`` and the
UI polls that file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ProgressEvent:
    """One update from a long job. ``kind`` is ``"step"``, ``"eval"``, ``"log"`` or ``"done"``."""

    kind: str
    step: int = 0
    total_steps: int = 0
    epoch: float = 0.0
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    eta_seconds: float | None = None
    elapsed_seconds: float = 0.0
    time: float = field(default_factory=time.time)

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ProgressCallback = Callable[[ProgressEvent], None]


def no_progress(event: ProgressEvent) -> None:
    """The default callback: ignore progress."""


class Cancelled(Exception):
    """Raised inside a job when its cancel flag was set; the job saves what it has first."""
