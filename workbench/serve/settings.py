"""``ServeSettings``: how a server runs (batching, cache, limits, rate limits), validated on construction.

The CLI flags of ``workbench serve`` are built from these fields' metadata, so the help text, the
defaults and the checks live in one place.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from workbench.errors import SpecError


def _meta(help_text: str, minimum: float | None = None, flag: str | None = None) -> dict[str, Any]:
    return {"help": help_text, "min": minimum, "flag": flag}


@dataclass(frozen=True)
class ServeSettings:
    batching: bool = field(default=True, metadata=_meta("Join concurrent requests into one forward pass."))
    max_batch_size: int = field(default=32, metadata=_meta("Most texts in one forward pass.", 1))
    max_wait_ms: float = field(
        default=5.0, metadata=_meta("Most milliseconds a batch waits to fill while the model is busy.", 0)
    )
    max_queue: int = field(
        default=256, metadata=_meta("Most texts waiting per model version; beyond it: 503 + Retry-After.", 1)
    )
    cache_entries: int = field(
        default=10_000, metadata=_meta("Predictions kept in the LRU cache per server (0 = no cache).", 0)
    )
    cache_mb: float = field(default=32.0, metadata=_meta("Most memory the prediction cache may use (MB).", 0))
    max_texts: int = field(default=64, metadata=_meta("Most texts in one request (more: 413).", 1))
    max_chars: int = field(default=5_000, metadata=_meta("Most characters per text (more: 422).", 1))
    max_body_kb: int = field(default=1_024, metadata=_meta("Largest request body in KB (more: 413).", 1))
    default_rate: str | None = field(
        default=None,
        metadata=_meta(
            "Rate limit for keys without their own (and for every caller when no key exists), e.g. 50/s."
        ),
    )
    rate_storage: str = field(
        default="memory://",
        metadata=_meta("Where rate-limit counters live (limits storage URI, e.g. redis://host:6379)."),
    )
    preload: bool = field(
        default=True, metadata=_meta("Load every deployed model at start (else on first use).")
    )
    rules: str | None = field(
        default=None, metadata=_meta("Safety rule file extending the defaults (default: the workspace's).")
    )
    demo: bool = field(default=True, metadata=_meta("Mount the Gradio demo at /demo."))
    shadow_process: bool = field(
        default=True,
        metadata=_meta(
            "Run shadow and canary comparisons in a separate idle-priority process (else a low-priority "
            "thread that shares the answering threads' cores)."
        ),
    )

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            low = f.metadata.get("min")
            value = getattr(self, f.name)
            if low is not None and value < low:
                problems.append(f"{f.name.replace('_', '-')} must be at least {low}, got {value}")
        if self.default_rate:
            from workbench.serve.keys import normalise_rate

            try:
                object.__setattr__(self, "default_rate", normalise_rate(self.default_rate))
            except SpecError as exc:
                problems.append(str(exc))
        if problems:
            raise SpecError("Invalid server settings: " + "; ".join(problems), problems)

    @property
    def max_wait_s(self) -> float:
        return self.max_wait_ms / 1000

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_kb * 1024

    @classmethod
    def field_info(cls) -> dict[str, dict[str, Any]]:
        return {
            f.name: {**f.metadata, "default": None if f.default is MISSING else f.default, "type": f.type}
            for f in fields(cls)
        }
