"""Task detection and the per-task parsing of the label column into canonical values.

Canonical labels: ``str`` for classification, ``tuple[str, ...]`` (sorted, unique) for multi-label,
``float`` for regression. Each task registers a parser in :data:`LABEL_PARSERS`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pandas as pd

from workbench.data.messages import plural, snippet, verb
from workbench.tasks import TASKS, Task

if TYPE_CHECKING:
    from workbench.data.io import RowNumbering

CLASSIFICATION = "classification"
MULTILABEL = "multilabel"
REGRESSION = "regression"
MULTILABEL_SEPARATOR = "|"


def detect_task(labels: pd.Series) -> str:
    """Guess the task from label values: several ``|``-separated values → multi-label, numbers that are
    not all integers → regression, anything else → classification (integer ids are classes)."""
    values = pd.Series(labels.astype(str).str.strip().unique())  # classes repeat: test each value once
    values = values[values != ""]
    if values.empty:
        return CLASSIFICATION
    if values.str.contains(MULTILABEL_SEPARATOR, regex=False).any():
        return MULTILABEL
    numbers = _as_numbers(values)
    if numbers.notna().all() and not (numbers % 1 == 0).all():
        return REGRESSION
    return CLASSIFICATION


def _as_numbers(values: pd.Series) -> pd.Series:
    """Finite floats, NaN where a value is not a finite number."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return numbers.where(numbers.abs() != math.inf)


def task_entry(task: str | None) -> Task | None:
    """The registered task named ``task``, whose capabilities the checks ask; None for ``auto``, no
    task, or a name no task has (``validate`` reports that once, as an unknown task)."""
    entry = TASKS.get(task) if task else None
    return entry() if entry is not None else None


def split_multilabel(value: str) -> tuple[str, ...]:
    """``"b| a |a"`` → ``("a", "b")``: order and repeats carry no meaning in a label set."""
    return tuple(sorted({part.strip() for part in value.split(MULTILABEL_SEPARATOR) if part.strip()}))


def sort_labels(labels: Iterable[str]) -> list[str]:
    """Numeric order when every label is an integer ("2" before "10"), else alphabetical."""
    unique = set(labels)
    try:
        return sorted(unique, key=int)
    except ValueError:
        return sorted(unique)


LABEL_COUNTERS: dict[str, Callable[[pd.Series], dict[str, int]]] = {}  # tasks counting their own way


def label_counts(task: str, labels: pd.Series) -> dict[str, int]:
    """Examples per label (each label of a multi-label set counts once); empty for regression."""
    if task in LABEL_COUNTERS:
        return LABEL_COUNTERS[task](labels)
    if task == REGRESSION:
        return {}
    counter: Counter[str] = Counter()
    if task == MULTILABEL:
        for value in labels:
            counter.update(value)
    else:
        counter.update(labels)
    return {label: counter[label] for label in sort_labels(counter)}


LabelParser = Callable[[pd.Series, pd.Series, "RowNumbering"], tuple[pd.Series, list[str]]]


def _parse_classes(raw: pd.Series, rows: pd.Series, numbering: RowNumbering) -> tuple[pd.Series, list[str]]:
    return raw.astype(object), []


def _parse_label_sets(
    raw: pd.Series, rows: pd.Series, numbering: RowNumbering
) -> tuple[pd.Series, list[str]]:
    return raw.map(split_multilabel).astype(object), []


def _parse_numbers(raw: pd.Series, rows: pd.Series, numbering: RowNumbering) -> tuple[pd.Series, list[str]]:
    numbers = _as_numbers(raw)
    bad = numbers.isna()
    if not bad.any():
        return numbers.astype(float), []
    first = raw[bad].iloc[0]
    return numbers, [
        f"Task 'regression' needs numeric labels, but {plural(int(bad.sum()), 'row')} {verb(int(bad.sum()), 'holds', 'hold')} something else: "
        f"{numbering.where(rows[bad].tolist())}, e.g. {snippet(first)}. "
        "Fix those labels or choose the task 'classification'."
    ]


LABEL_PARSERS: dict[str, LabelParser] = {
    CLASSIFICATION: _parse_classes,
    MULTILABEL: _parse_label_sets,
    REGRESSION: _parse_numbers,
}
