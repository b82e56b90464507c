"""Drift statistics: how far a recent window of predictions is from the model's validation predictions.

The population stability index (PSI) compares two histograms over the same bins. Its conventional
alarm level is 0.2 ("a significant shift"), but on small samples a PSI that high happens by chance:
with 5 bins, 40 reference rows and 100 window rows a plain resample scores about 0.1 on average.
So each check's threshold is the larger of 0.2 and the 99th percentile of the PSI of windows of the
same size drawn from the reference itself (a seeded bootstrap): a resample of the validation set
stays quiet by construction, and a shift has to stand out from that noise to raise an alert.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

PSI_ALERT = 0.2
CONFIDENCE_BINS = 5
BOOTSTRAP_DRAWS = 300
NOISE_QUANTILE = 0.99
SMOOTHING = 0.5  # pseudo-count per bin, so an empty bin does not make the PSI infinite
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")  # what the safety rules' masking writes ([EMAIL], ...)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class DriftCheck:
    """One row of the drift table: a statistic of the window against the reference, and its limit."""

    check: str
    statistic: str
    value: float | None
    threshold: float
    drifted: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def psi(reference: Sequence[float], window: Sequence[float]) -> float:
    """Population stability index of two histograms (counts) over the same bins."""
    ref = np.asarray(reference, dtype=float) + SMOOTHING
    win = np.asarray(window, dtype=float) + SMOOTHING
    p, q = ref / ref.sum(), win / win.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def js_distance(reference: Sequence[float], window: Sequence[float]) -> float:
    """Jensen–Shannon distance (base 2, in [0, 1]) of two histograms; shown beside the PSI."""
    p = np.asarray(reference, dtype=float)
    q = np.asarray(window, dtype=float)
    p, q = p / max(p.sum(), 1e-12), q / max(q.sum(), 1e-12)
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / b[mask])))

    return math.sqrt(max(0.0, (kl(p, m) + kl(q, m)) / 2))


def noise_threshold(reference: Sequence[float], window_size: int, seed: int = 0) -> float:
    """max(0.2, the 99th percentile PSI of ``window_size`` rows drawn from the reference itself)."""
    ref = np.asarray(reference, dtype=float)
    if window_size <= 0 or ref.sum() <= 0:
        return PSI_ALERT
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(window_size, ref / ref.sum(), size=BOOTSTRAP_DRAWS)
    # the reference is itself a sample: perturb it the same way so both sides carry their noise
    refs = rng.multinomial(int(ref.sum()), ref / ref.sum(), size=BOOTSTRAP_DRAWS)
    values = [psi(r, d) for r, d in zip(refs, draws, strict=True)]
    return max(PSI_ALERT, float(np.quantile(values, NOISE_QUANTILE)))


def _histogram_check(name: str, bins: list[str], ref: list[float], win: list[float]) -> DriftCheck:
    n = int(sum(win))
    value = psi(ref, win)
    threshold = noise_threshold(ref, n)
    shares = ", ".join(
        f"{b}: {r / max(sum(ref), 1):.0%} → {w / max(n, 1):.0%}"
        for b, r, w in zip(bins, ref, win, strict=True)
    )
    return DriftCheck(
        check=name,
        statistic="PSI",
        value=round(value, 4),
        threshold=round(threshold, 4),
        drifted=value > threshold,
        detail=f"JS distance {js_distance(ref, win):.3f}; validation → window: {shares}",
    )


def label_drift(reference: dict[str, int], window: Iterable[str]) -> DriftCheck:
    """PSI of the predicted-label distribution (labels the reference never predicted get a bin)."""
    counts = Counter(window)
    bins = list(dict.fromkeys([*reference, *counts]))
    return _histogram_check(
        "predicted labels", bins, [reference.get(b, 0) for b in bins], [counts.get(b, 0) for b in bins]
    )


def confidence_edges(reference: Sequence[float], bins: int = CONFIDENCE_BINS) -> list[float]:
    """Inner bin edges at the reference's quantiles (equal-mass bins), duplicates dropped."""
    quantiles = np.quantile(np.asarray(reference, dtype=float), np.linspace(0, 1, bins + 1)[1:-1])
    return sorted({round(float(q), 6) for q in quantiles})


def confidence_drift(reference: Sequence[float], window: Sequence[float]) -> DriftCheck:
    """PSI of the confidence distribution over the reference's quantile bins."""
    edges = confidence_edges(reference)
    ref = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    win = np.bincount(np.searchsorted(edges, window, side="right"), minlength=len(edges) + 1)
    bounds = [-math.inf, *edges, math.inf]
    names = [_bin_name(lo, hi) for lo, hi in itertools.pairwise(bounds)]
    return _histogram_check("confidence", names, ref.tolist(), win.tolist())


def _bin_name(lo: float, hi: float) -> str:
    if lo == -math.inf:
        return f"<{hi:.3f}"
    return f"≥{lo:.3f}" if hi == math.inf else f"{lo:.3f}–{hi:.3f}"


def words(text: str) -> list[str]:
    """Lower-case words of a (masked) text; masking placeholders are not words of the language."""
    return WORD.findall(PLACEHOLDER.sub(" ", text).lower())


def unseen_share(texts: Iterable[str], vocabulary: set[str]) -> float:
    tokens = [w for t in texts for w in words(t)]
    return sum(w not in vocabulary for w in tokens) / len(tokens) if tokens else 0.0


def length_check(texts: Sequence[str], max_chars: int, allowed_share: float) -> DriftCheck:
    longer = sum(len(t) > max_chars for t in texts)
    share = longer / len(texts) if texts else 0.0
    return DriftCheck(
        check="inputs longer than the training texts",
        statistic="share",
        value=round(share, 4),
        threshold=allowed_share,
        drifted=share > allowed_share,
        detail=f"{longer} of {len(texts)} texts longer than {max_chars} characters (the longest training text)",
    )


def vocabulary_check(
    texts: Sequence[str], vocabulary: set[str], baseline: float, margin: float
) -> DriftCheck:
    share = unseen_share(texts, vocabulary)
    threshold = round(baseline + margin, 4)
    return DriftCheck(
        check="unseen-vocabulary words",
        statistic="share",
        value=round(share, 4),
        threshold=threshold,
        drifted=share > threshold,
        detail=f"validation texts had {baseline:.1%} words outside the training vocabulary",
    )
