"""Seeded train/validation/test splits, stratified by class when every class can be."""

from __future__ import annotations

import math

from workbench.data.dataset import subset
from workbench.data.labels import task_entry
from workbench.data.messages import plural, quoted, verb
from workbench.data.spec import TextDataset
from workbench.errors import SpecError


def split_dataset(
    ds: TextDataset, val_fraction: float = 0.1, test_fraction: float = 0.0, seed: int = 42
) -> tuple[TextDataset, TextDataset, TextDataset | None]:
    """Return ``(train, val, test)``; ``test`` is None when ``test_fraction`` is 0.

    A task that asks for it (``stratify_split``: classification) is stratified so rare classes land
    on both sides; when a class is too small for that the split falls back to random and says so in
    ``ds.report.warnings`` (and the subsets').
    """
    _check_fractions(ds, val_fraction, test_fraction)
    positions = list(range(len(ds)))
    test = None
    if test_fraction > 0:
        positions, test_positions = _split_positions(ds, positions, test_fraction, seed, "test")
        test = test_positions
    val_share = val_fraction / (1 - test_fraction)
    train_positions, val_positions = _split_positions(ds, positions, val_share, seed, "validation")
    return (
        subset(ds, train_positions),
        subset(ds, val_positions),
        subset(ds, test) if test is not None else None,
    )


def _check_fractions(ds: TextDataset, val_fraction: float, test_fraction: float) -> None:
    problems = []
    if not 0 < val_fraction < 1:
        problems.append(f"Validation fraction {val_fraction} must be between 0 and 1 (e.g. 0.1).")
    if not 0 <= test_fraction < 1:
        problems.append(f"Test fraction {test_fraction} must be 0 (no test set) or between 0 and 1.")
    if not problems and val_fraction + test_fraction >= 1:
        problems.append(
            f"Validation ({val_fraction}) and test ({test_fraction}) fractions add up to "
            f"{val_fraction + test_fraction:g}, leaving nothing to train on; keep their sum below 1."
        )
    if not problems:
        train_rows = len(ds) - math.ceil(len(ds) * val_fraction) - math.ceil(len(ds) * test_fraction)
        if train_rows < 1:
            problems.append(
                f"{plural(len(ds), 'row')} {verb(len(ds), 'is', 'are')} too few to hold out validation ({val_fraction}) and test "
                f"({test_fraction}) sets and keep rows for training; add rows or lower the fractions."
            )
    if problems:
        raise SpecError(problems[0], problems=problems)


def _split_positions(
    ds: TextDataset, positions: list[int], fraction: float, seed: int, part: str
) -> tuple[list[int], list[int]]:
    from sklearn.model_selection import train_test_split

    labels = ds.frame["label"].iloc[positions].tolist() if "label" in ds.frame else None
    entry = task_entry(ds.task)
    stratify = labels if entry is not None and entry.stratify_split and labels is not None else None
    if stratify is not None:
        reason = _why_not_stratified(stratify, len(positions), fraction)
        if reason:
            ds.report.warnings.append(f"The {part} split is random, not stratified: {reason}.")
            stratify = None
    try:
        kept, held = train_test_split(positions, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError as exc:  # sklearn found another reason stratification is impossible
        if stratify is None:
            raise
        ds.report.warnings.append(f"The {part} split is random, not stratified: {exc}.")
        kept, held = train_test_split(positions, test_size=fraction, random_state=seed)
    return sorted(kept), sorted(held)


def _why_not_stratified(labels: list[str], n: int, fraction: float) -> str | None:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    rare = [label for label, count in counts.items() if count < 2]
    if rare:
        return f"{plural(len(rare), 'class', 'classes')} with a single example ({quoted(rare)})"
    held = math.ceil(n * fraction)
    if held < len(counts) or n - held < len(counts):
        return f"{plural(held, 'held-out row')} cannot hold one example of each of the {len(counts)} classes"
    return None
