"""Task detection and the parsing of a label column into canonical values.

Canonical labels: ``str`` for classification, ``tuple[str, ...]`` (sorted, unique) for multi-label,
``float`` for regression. The parsers and counters are plain functions here; each task entry names
the ones it uses (``Task.label_parser``, ``Task.count_labels``), so the data layer asks the task.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain
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


def label_counts(task: str, labels: pd.Series) -> dict[str, int]:
    """Examples per label, as the task counts them (``Task.count_labels``: classes, each label of a
    multi-label set once, entities; nothing for numbers or target texts)."""
    entry = task_entry(task)
    return entry.count_labels(labels) if entry is not None else count_classes(labels)


def count_classes(
    labels: Iterable[object], classes_of: Callable[[object], Iterable[str]] | None = None
) -> dict[str, int]:
    """Examples per class in label order; ``classes_of`` gives the classes one value names (a set)."""
    counter: Counter[str] = Counter(chain.from_iterable(map(classes_of, labels)) if classes_of else labels)
    return {label: counter[label] for label in sort_labels(counter)}


def table_tasks() -> list[str]:
    """The tasks whose data is a table with a text and a label column (the others have a reader of
    their own: token files, parallel texts)."""
    return [name for name, task in TASKS.items() if task().label_parser() is not None]


LabelParser = Callable[[pd.Series, pd.Series, "RowNumbering"], tuple[pd.Series, list[str]]]


def parse_labels(
    task: str, raw: pd.Series, rows: pd.Series, numbering: RowNumbering
) -> tuple[pd.Series, list[str]]:
    """Canonical label values of a table's label column as ``task`` parses them (``Task.label_parser``;
    classes when it has none, which ``validate`` reports first) and the problems found."""
    entry = task_entry(task)
    parse = entry.label_parser() if entry is not None else None
    return (parse or parse_classes)(raw, rows, numbering)


def parse_classes(raw: pd.Series, rows: pd.Series, numbering: RowNumbering) -> tuple[pd.Series, list[str]]:
    return raw.astype(object), []


def parse_label_sets(raw: pd.Series, rows: pd.Series, numbering: RowNumbering) -> tuple[pd.Series, list[str]]:
    return raw.map(split_multilabel).astype(object), []


def parse_numbers(raw: pd.Series, rows: pd.Series, numbering: RowNumbering) -> tuple[pd.Series, list[str]]:
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
