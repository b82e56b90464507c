"""Faithfulness: do the tokens an explanation ranks highest actually drive the prediction?

Deletion check per explanation: hide the top-k tokens (the explanation's own masking, so "hidden"
means what it meant while explaining) and measure the drop in the explained label's probability
(the value, for regression); compare with hiding k random tokens. A faithful explanation drops far
more than random. ``faithfulness(results)`` summarises it over many texts for the UI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from explain.masker import MASKED, Encoding
from explain.result import Faithfulness, TextExplanation

if TYPE_CHECKING:
    from explain.predictor import MaskedRowPredictor

RANDOM_TRIALS = 10


def deletion_check(
    predictor: MaskedRowPredictor,
    encoding: Encoding,
    values: np.ndarray,
    score_of: Any,
    k: int,
    seed: int = 0,
    trials: int = RANDOM_TRIALS,
) -> Faithfulness | None:
    """Drop of ``score_of(logits)`` (one number per row) when the top-k vs k random tokens are hidden.

    ``values`` are one label's attributions; "top" means pushing most toward that label. None when the
    text has fewer than two tokens (nothing to compare).
    """
    n = len(encoding.content)
    if n < 2 or k < 1:
        return None
    k = min(k, n - 1)
    top = np.argsort(-values, kind="stable")[:k]
    rng = np.random.default_rng(seed)
    picks = [top] + [rng.choice(n, size=k, replace=False) for _ in range(trials)]
    rows = np.repeat(encoding.ids[None, :], len(picks) + 1, axis=0)
    for row, pick in zip(rows[1:], picks, strict=True):
        row[encoding.content[pick]] = MASKED
    scores = np.asarray(score_of(predictor.logits(rows)), dtype=float)
    drops = scores[0] - scores[1:]
    return Faithfulness(
        k=k, top_drop=float(drops[0]), random_drop=float(drops[1:].mean()), random_trials=trials
    )


@dataclass
class FaithfulnessSummary:
    """Deletion checks over many texts: the numbers a dashboard shows."""

    texts: int
    k: int
    mean_top_drop: float
    mean_random_drop: float
    share_better_than_random: float  # texts where the top-k hurt more than random ones

    @property
    def score(self) -> float:
        return self.mean_top_drop - self.mean_random_drop

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the numbers of a summary over no texts (NaN) become None (JSON null)."""
        data = {**vars(self), "score": self.score}
        return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in data.items()}


def faithfulness(results: Sequence[TextExplanation]) -> FaithfulnessSummary:
    """Summarise the per-text deletion checks (texts too short for a check are left out)."""
    checks = [r.faithfulness for r in results if r.faithfulness is not None]
    if not checks:
        return FaithfulnessSummary(0, 0, float("nan"), float("nan"), float("nan"))
    top = np.array([c.top_drop for c in checks])
    rand = np.array([c.random_drop for c in checks])
    return FaithfulnessSummary(
        texts=len(checks),
        k=max(c.k for c in checks),
        mean_top_drop=float(top.mean()),
        mean_random_drop=float(rand.mean()),
        share_better_than_random=float((top > rand).mean()),
    )
