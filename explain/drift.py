"""Explanation drift: did a variant keep not only the labels but also the reasons?

For each text both models are explained (same settings, same seed, cached) for the label model A
predicts; the word attributions are compared by Spearman rank correlation. Words, not tokens, so a
variant with another tokenizer (a distilled student) can be compared too. 1.0 means the same
ranking of reasons; the report lists where the reasons changed most, flagging "kept the label but
changed why".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from explain.result import TextExplanation, word_values
from explain.spec import ExplainSpec
from workbench.errors import IncompatibleError
from workbench.progress import ProgressCallback, ProgressEvent, no_progress

CHANGED_WHY_BELOW = 0.5  # rank correlation under which "the reasons changed"


@dataclass
class DriftExample:
    text: str
    label: str  # the label compared (model A's prediction)
    prediction_a: Any
    prediction_b: Any
    rank_correlation: float  # nan when the text has fewer than two words
    top_a: list[str]
    top_b: list[str]

    @property
    def same_label(self) -> bool:
        return self.prediction_a == self.prediction_b

    @property
    def kept_label_changed_why(self) -> bool:
        return self.same_label and self.rank_correlation < CHANGED_WHY_BELOW


@dataclass
class DriftReport:
    model_a: str
    model_b: str
    examples: list[DriftExample]

    @property
    def mean_rank_correlation(self) -> float:
        values = [e.rank_correlation for e in self.examples if not np.isnan(e.rank_correlation)]
        return float(np.mean(values)) if values else float("nan")

    @property
    def label_agreement(self) -> float:
        return float(np.mean([e.same_label for e in self.examples])) if self.examples else float("nan")

    def most_changed(self, k: int = 10) -> list[DriftExample]:
        """Examples whose reasons changed most (lowest rank correlation first)."""
        scored = [e for e in self.examples if not np.isnan(e.rank_correlation)]
        return sorted(scored, key=lambda e: e.rank_correlation)[:k]

    def kept_label_changed_why(self) -> list[DriftExample]:
        return [e for e in self.most_changed(len(self.examples)) if e.kept_label_changed_why]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "text": e.text, "label": e.label, "prediction_a": e.prediction_a,
                    "prediction_b": e.prediction_b, "same_label": e.same_label,
                    "rank_correlation": e.rank_correlation, "kept_label_changed_why": e.kept_label_changed_why,
                    "top_a": ", ".join(e.top_a), "top_b": ", ".join(e.top_b),
                }
                for e in self.examples
            ]
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_a": self.model_a,
            "model_b": self.model_b,
            "mean_rank_correlation": self.mean_rank_correlation,
            "label_agreement": self.label_agreement,
            "examples": self.table().to_dict(orient="records"),
        }


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho; identical constant rankings count as 1, a constant against a ranking as 0."""
    from scipy.stats import spearmanr

    if len(a) < 2:
        return float("nan")
    flat_a, flat_b = np.ptp(a) == 0, np.ptp(b) == 0
    if flat_a or flat_b:
        return 1.0 if flat_a and flat_b else 0.0
    return float(spearmanr(a, b).statistic)


def compare(a: TextExplanation, b: TextExplanation, label: str, top: int = 3) -> DriftExample:
    words_a, values_a = word_values(a.tokens, a.for_label(label).values)
    words_b, values_b = word_values(b.tokens, b.for_label(label).values)
    if [w.lower() for w in words_a] != [w.lower() for w in words_b]:
        values_b = _align(words_a, words_b, values_b)
    return DriftExample(
        text=a.text, label=label, prediction_a=a.prediction, prediction_b=b.prediction,
        rank_correlation=rank_correlation(values_a, values_b),
        top_a=[words_a[i] for i in np.argsort(-values_a, kind="stable")[:top]],
        top_b=[words_b[i] for i in np.argsort(-values_b, kind="stable")[:top]],
    )  # fmt: skip


def _align(words_a: list[str], words_b: list[str], values_b: np.ndarray) -> np.ndarray:
    """B's word values in A's word order (by position among equal words; missing words count 0)."""
    by_word: dict[str, list[float]] = {}
    for word, value in zip(words_b, values_b, strict=True):
        by_word.setdefault(word.lower(), []).append(float(value))
    return np.array([by_word[w.lower()].pop(0) if by_word.get(w.lower()) else 0.0 for w in words_a])


def explanation_drift(
    model_a: Any,
    model_b: Any,
    texts: Sequence[str],
    pairs: Sequence[str] | None = None,
    spec: ExplainSpec | None = None,
    *,
    progress: ProgressCallback = no_progress,
) -> DriftReport:
    """Per-text and average rank correlation of the two models' reasons for model A's label."""
    from explain.core import explain_texts, output_names, resolve_model

    spec = spec or ExplainSpec()
    a, b = resolve_model(model_a), resolve_model(model_b)
    missing = sorted(set(output_names(a)) - set(output_names(b)))
    if missing:
        raise IncompatibleError(
            f"Models {a.id!r} and {b.id!r} do not share labels ({', '.join(missing)} missing in {b.id!r}); "
            "drift compares a model with its own variants."
        )
    half = _half_progress(progress, len(texts))
    results_a = explain_texts(a, texts, pairs, spec, progress=half(0))
    results_b = explain_texts(b, texts, pairs, spec, progress=half(len(texts)))
    examples = []
    for i, (ra, rb) in enumerate(zip(results_a, results_b, strict=True)):
        label = ra.label
        if label not in rb.output_names:  # many classes: B explained other top labels
            pair = None if pairs is None else [pairs[i]]
            rb = explain_texts(b, [texts[i]], pair, replace(spec, labels=(label,)))[0]
        examples.append(compare(ra, rb, label))
    return DriftReport(a.id, b.id, examples)


def _half_progress(progress: ProgressCallback, n: int) -> Any:
    def make(offset: int) -> ProgressCallback:
        def forward(event: ProgressEvent) -> None:
            progress(ProgressEvent(kind="step", step=offset + event.step, total_steps=2 * n, message="drift"))

        return forward

    return make
