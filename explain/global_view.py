"""Global view: which words matter most for each label across many examples.

Per label, a word's importance is its mean |SHAP| over the N explained examples (0 where it does not
occur, as ``shap.plots.bar`` aggregates), with its mean signed value (direction) and how often it
occurs. A cohort filter restricts the examples first: only errors, only correct ones, or one label.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from explain.result import TextExplanation, word_values
from workbench.data.labels import split_multilabel
from workbench.errors import SpecError

COHORTS = ("all", "errors", "correct")  # plus "label:<name>" (gold) and "predicted:<name>"
TABLE_COLUMNS = ["label", "word", "mean_abs", "mean", "count"]


@dataclass
class GlobalImportance:
    """Top words per label (``table``) over the examples kept by ``cohort``."""

    table: pd.DataFrame
    cohort: str
    examples: int

    def top(self, label: str, k: int = 10) -> pd.DataFrame:
        rows = self.table[self.table["label"] == str(label)]
        return rows.head(k).reset_index(drop=True)

    def figure(self, label: str | None = None, k: int = 15, ax: Any = None) -> Any:
        """Horizontal bar chart of mean |SHAP| for one label (matplotlib; returns the figure)."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        label = str(label) if label is not None else (self.table["label"].iloc[0] if len(self.table) else "")
        rows = self.top(label, k).iloc[::-1]
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 0.3 * max(len(rows), 3) + 1))
        else:
            fig = ax.figure
        colours = ["#ff0051" if m >= 0 else "#008bfb" for m in rows["mean"]]
        ax.barh(rows["word"], rows["mean_abs"], color=colours)
        ax.set_xlabel("mean |SHAP| (red: pushes toward the label on average, blue: away)")
        ax.set_title(f"Top words for {label} ({self.examples} examples, cohort: {self.cohort})")
        fig.tight_layout()
        return fig


def cohort_choices(labels: Sequence[str], task: str, has_gold: bool) -> list[str]:
    """The cohorts that make sense for a model's labels and task, for a form's choices."""
    from workbench.tasks import get_task

    if get_task(task).predicts_value:
        return ["all"]
    gold_only = ["errors", "correct", *(f"label:{x}" for x in labels)] if has_gold else []
    return ["all", *gold_only, *(f"predicted:{x}" for x in labels)]


def select_cohort(
    results: Sequence[TextExplanation], gold: Sequence[Any] | None, cohort: str
) -> list[TextExplanation]:
    """The examples of the cohort; errors/correct/label:X need the gold labels.

    Labels compare as sets ("b| a" is the multi-label gold of a prediction ["a", "b"]); a regression
    prediction is a number, never exactly "right", so errors/correct refuse it."""
    kind, _, name = cohort.partition(":")
    check_cohort(results, gold, cohort)
    keep = []
    for i, r in enumerate(results):
        predicted = label_set(r.prediction)
        truth = label_set(gold[i]) if gold is not None else None
        wanted = {
            "all": True,
            "errors": predicted != truth,
            "correct": predicted == truth,
            "label": truth is not None and name.strip() in truth,
            "predicted": name.strip() in predicted,
        }[kind]
        if wanted:
            keep.append(r)
    return keep


def check_cohort(results: Sequence[TextExplanation], gold: Sequence[Any] | None, cohort: str) -> None:
    kind, _, name = cohort.partition(":")
    if kind not in (*COHORTS, "label", "predicted") or (kind in ("label", "predicted") and not name):
        raise SpecError(
            f"Unknown cohort {cohort!r}. Use one of: all, errors, correct, label:<name>, predicted:<name>."
        )
    if kind in ("errors", "correct") and any(r.scale == "value" for r in results):
        raise SpecError(
            f"The cohort {cohort!r} needs labels that are right or wrong, but model "
            f"{results[0].model_id!r} predicts a number (regression). Use the cohort 'all'."
        )
    if kind in ("errors", "correct", "label") and gold is None:
        raise SpecError(f"The cohort {cohort!r} needs the gold labels (CLI: --label-col).")
    if gold is not None and len(gold) != len(results):
        raise SpecError(f"Got {len(results)} explanations but {len(gold)} gold labels: give one per text.")


def label_set(value: Any) -> frozenset[str]:
    """A prediction or gold label as a set of label names: "pos", ["b", "a"] and "a | b" alike."""
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(v).strip() for v in value if str(v).strip())
    return frozenset(split_multilabel(str(value)))


def aggregate(
    results: Sequence[TextExplanation], min_count: int = 1, words_only: bool = True
) -> pd.DataFrame:
    """Mean |SHAP| per (label, word) over the examples where that label was explained.

    ``words_only`` leaves out tokens without a letter or digit ("." and "," occur in nearly every
    example, so their mean |SHAP| tops the table while telling a reader little)."""
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    explained: dict[str, int] = defaultdict(int)
    for r in results:
        for i, label in enumerate(r.output_names):
            explained[label] += 1
            words, values = word_values(r.tokens, r.values[:, i]) if r.tokens else ([], np.zeros(0))
            for word, value in zip(words, values, strict=True):
                entry = totals[(label, word.lower())]
                entry[0] += abs(float(value))
                entry[1] += float(value)
                entry[2] += 1
    rows = [
        (label, word, s_abs / explained[label], s / explained[label], int(n))
        for (label, word), (s_abs, s, n) in totals.items()
        if n >= min_count and (not words_only or any(ch.isalnum() for ch in word))
    ]
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return table.sort_values(["label", "mean_abs"], ascending=[True, False], kind="stable").reset_index(
        drop=True
    )


def global_importance(
    model: Any = None,
    texts: Sequence[str] | None = None,
    *,
    results: Sequence[TextExplanation] | None = None,
    gold: Sequence[Any] | None = None,
    cohort: str = "all",
    spec: Any = None,
    min_count: int = 1,
    words_only: bool = True,
    progress: Any = None,
) -> GlobalImportance:
    """Top words per label over many examples: explain ``texts`` with ``model`` (cached), or pass
    ``results`` already computed; ``gold`` labels enable the errors/correct/label cohorts."""
    if results is None:
        if model is None or texts is None:
            raise SpecError("Give a model and texts to explain, or results=... already explained.")
        from explain.core import explain_texts

        kwargs = {"progress": progress} if progress is not None else {}
        results = explain_texts(model, texts, spec=spec, **kwargs)
    kept = select_cohort(results, gold, cohort)
    return GlobalImportance(aggregate(kept, min_count=min_count, words_only=words_only), cohort, len(kept))
