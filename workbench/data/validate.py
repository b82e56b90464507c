"""Check a user's table and turn it into a :class:`TextDataset`.

``check_frame`` is the single place that decides whether data is usable; ``check_data`` wraps it for
a file and never raises (the CLI and UI show its report), ``load_dataset`` raises one ``DataError``
listing every problem. Row numbers in messages are those a user sees: spreadsheet rows (header =
row 1) for tables, line numbers for JSON lines.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.data.dataset import content_fingerprint
from workbench.data.io import RowNumbering, nul_cleaning, read_table, row_numbering
from workbench.data.labels import (
    MULTILABEL_SEPARATOR,
    detect_task,
    label_counts,
    parse_labels,
    sort_labels,
    table_tasks,
)
from workbench.data.messages import plural, quoted, snippet
from workbench.data.parallel import (
    check_parallel,
    load_parallel_frame,
    parallel_columns,
    parallel_dataset,
    parallel_task,
)
from workbench.data.preprocess import apply_preprocess
from workbench.data.rules import RULES, CheckContext
from workbench.data.spec import TASK_AUTO, ColumnMap, DataReport, PreprocessSpec, TextDataset
from workbench.data.token_check import check_token_data, load_token_dataset, token_format, token_task
from workbench.errors import DataError

_ROLES = {"text": "text column", "text_pair": "second text column", "label": "label column"}


def check_frame(
    frame: pd.DataFrame,
    columns: ColumnMap,
    task: str = TASK_AUTO,
    *,
    source: str = "",
    tokenizer: Any = None,
    max_length: int | None = None,
    eval_texts: set[str] | None = None,
    known_labels: list[str] | None = None,
    require_labels: bool = True,
    needs_split: bool = True,
) -> tuple[DataReport, pd.DataFrame]:
    """Return the report of every problem and the canonical frame (``text``, ``text_pair``, ``label``,
    ``row``) of the usable rows. ``known_labels`` (a trained model's labels) turns off the training-only
    checks; ``needs_split`` asks for enough rows to hold out a validation set."""
    report = DataReport(source=source, columns=[str(c) for c in frame.columns], rows_read=len(frame))
    report.errors += _task_errors(task) + _missing_columns(frame, columns, require_labels, report.source)
    if report.errors:
        return report, pd.DataFrame(columns=["text", "label", "row"])
    numbering = row_numbering(frame)
    report.warnings += _nul_cleaning_notes(frame, numbering)
    has_labels = columns.label is not None and columns.label in frame
    canonical, blank = _canonical(frame, columns, has_labels, numbering.first)
    canonical = _drop_incomplete(canonical, blank, report, numbering)
    resolved = task if task != TASK_AUTO or not has_labels else detect_task(canonical["label"])
    report.task = resolved if has_labels or task != TASK_AUTO else None
    if has_labels:
        parsed, errors = parse_labels(resolved, canonical["label"], canonical["row"], numbering)
        canonical = canonical.assign(label=parsed)
        report.errors += errors
        if not errors:
            report.labels = label_counts(resolved, canonical["label"])
    report.rows_usable = len(canonical)
    if report.errors:
        return report, canonical
    ctx = CheckContext(
        frame=canonical,
        report=report,
        columns=columns,
        numbering=numbering,
        task=report.task,
        has_labels=has_labels,
        needs_split=needs_split and known_labels is None and has_labels,
        tokenizer=tokenizer,
        max_length=max_length,
        eval_texts=eval_texts,
        known_labels=known_labels,
    )
    for rule in RULES:
        rule(ctx)
    return report, canonical


def _task_errors(task: str) -> list[str]:
    known = table_tasks()
    if task == TASK_AUTO or task in known:
        return []
    return [f"Unknown task {snippet(task)}: choose one of {quoted([TASK_AUTO, *known])}."]


def _missing_columns(frame: pd.DataFrame, columns: ColumnMap, require_labels: bool, source: str) -> list[str]:
    existing = [str(c) for c in frame.columns]
    wanted = {"text": columns.text, "text_pair": columns.text_pair}
    if require_labels:
        wanted["label"] = columns.label
    errors = []
    for role, name in wanted.items():
        if name is None or name in frame.columns:
            continue
        errors.append(
            f"Column {snippet(name)} ({_ROLES[role]}) not found in {source or 'the data'}. "
            f"Columns in the file: {quoted(existing, 20)}.{_suggestion(name, existing)} "
            f"Choose one of the file's columns as the {_ROLES[role]}."
        )
    return errors


def _suggestion(name: str, existing: list[str]) -> str:
    by_case = [column for column in existing if column.strip().casefold() == name.strip().casefold()]
    close = by_case or difflib.get_close_matches(name, existing, n=1, cutoff=0.6)
    return f" Did you mean {snippet(close[0])}?" if close else ""


def _canonical(
    frame: pd.DataFrame, columns: ColumnMap, has_labels: bool, first_row: int
) -> tuple[pd.DataFrame, pd.Series]:
    """The canonical frame of every row, and which rows are wholly blank (blank lines, ``,,,``)."""
    data = {"text": _stripped(frame[columns.text])}
    if columns.text_pair:
        data["text_pair"] = _stripped(frame[columns.text_pair])
    if has_labels:
        data["label"] = _stripped(frame[columns.label])
    canonical = pd.DataFrame(data)
    canonical["row"] = range(first_row, first_row + len(frame))
    blank = pd.Series(True, index=canonical.index)
    for position in range(frame.shape[1]):
        blank &= (_stripped(frame.iloc[:, position]) == "").to_numpy()
    return canonical, blank


def _stripped(column: pd.Series) -> pd.Series:
    """Cells as stripped strings; NaN/None (frames not made by read_table) count as empty."""
    cells = column.astype(object).where(column.notna(), "")
    return cells.astype(str).str.strip().reset_index(drop=True).astype(object)


def _nul_cleaning_notes(frame: pd.DataFrame, numbering: RowNumbering) -> list[str]:
    cells, positions = nul_cleaning(frame)
    if not cells:
        return []
    rows = [numbering.number(p) for p in positions]
    return [
        f"Removed stray NUL bytes (a database or spreadsheet export artefact) from {plural(cells, 'cell')}: "
        f"{numbering.where(rows)}. The rest of each cell was kept."
    ]


def _drop_incomplete(
    canonical: pd.DataFrame, blank: pd.Series, report: DataReport, numbering: RowNumbering
) -> pd.DataFrame:
    """Drop rows missing a text, second text or label; wholly blank rows go without a warning."""
    empties = {"text": canonical["text"] == ""}
    if "text_pair" in canonical:
        empties["text_pair"] = canonical["text_pair"] == ""
    if "label" in canonical:
        empties["label"] = canonical["label"].str.strip(MULTILABEL_SEPARATOR + " ") == ""
    for role, empty in empties.items():
        dropped = canonical.loc[empty & ~blank, "row"].tolist()
        if dropped:
            noun = "an empty " + _ROLES[role].removesuffix(" column")
            report.warnings.append(
                f"Dropped {plural(len(dropped), 'row')} with {noun}: {numbering.where(dropped)}."
            )
    keep = ~pd.concat(list(empties.values()), axis=1).any(axis=1)
    return canonical[keep].reset_index(drop=True)


def check_data(
    path: str | Path,
    columns: ColumnMap,
    task: str = TASK_AUTO,
    *,
    eval_path: str | Path | None = None,
    tokenizer: Any = None,
    max_length: int | None = None,
    max_bytes: int | None = None,
    require_labels: bool = True,
    target_file: str | Path | None = None,
) -> DataReport:
    """Check a file; read failures become ``report.errors`` so callers can always show a report.
    ``target_file``: ``path`` and it are two aligned plain-text files (translation pairs)."""
    fmt = token_format(path, task)
    if fmt is not None:
        return check_token_data(path, columns, fmt, max_bytes=max_bytes, task=token_task(task))[0]
    eval_texts, eval_errors = _eval_texts(eval_path, columns, max_bytes)
    try:
        frame = load_parallel_frame(path, target_file, max_bytes)
    except DataError as exc:
        return DataReport(source=str(path), columns=[], errors=[*exc.problems, *eval_errors])
    pair = _parallel(frame, columns, task, target_file)
    if pair is not None:
        return check_parallel(
            frame,
            pair,
            source=str(path),
            tokenizer=tokenizer,
            max_length=max_length,
            require_target=require_labels,
            needs_split=eval_path is None,
            task=parallel_task(task),
        )[0]
    report, _ = check_frame(
        frame,
        columns,
        task,
        source=str(path),
        tokenizer=tokenizer,
        max_length=max_length,
        eval_texts=eval_texts,
        require_labels=require_labels,
        needs_split=eval_path is None,
    )
    report.errors += eval_errors
    return report


def _eval_texts(
    path: str | Path | None, columns: ColumnMap, max_bytes: int | None
) -> tuple[set[str] | None, list[str]]:
    if path is None:
        return None, []
    try:
        frame = read_table(path, max_bytes=max_bytes)
    except DataError as exc:
        return None, [f"Eval file: {problem}" for problem in exc.problems]
    errors = _missing_columns(frame, ColumnMap(text=columns.text, label=None), False, str(path))
    if errors:
        return None, [f"Eval file: {problem}" for problem in errors]
    texts = _stripped(frame[columns.text])
    return set(texts[texts != ""]), []


def load_dataset(
    source: str | Path | pd.DataFrame,
    columns: ColumnMap,
    task: str = TASK_AUTO,
    *,
    preprocess: PreprocessSpec | None = None,
    tokenizer: Any = None,
    max_length: int | None = None,
    eval_texts: set[str] | None = None,
    labels: list[str] | None = None,
    require_labels: bool = True,
    max_bytes: int | None = None,
    needs_split: bool | None = None,
    target_file: str | Path | None = None,
) -> TextDataset:
    """Read, preprocess and check ``source``; raise ``DataError`` listing every problem if unusable.

    ``labels`` is a trained model's label set: the dataset keeps that order and any other label is an
    error. ``needs_split`` defaults to True only for labelled training data (no ``labels`` given).
    Without a label column the dataset's ``task`` is the one asked for (possibly ``"auto"``).
    """
    fmt = token_format(source, task)
    if fmt is not None:
        return load_token_dataset(
            source,
            columns,
            fmt,
            labels=labels,
            require_labels=require_labels,
            max_bytes=max_bytes,
            task=token_task(task),
        )
    name = "" if isinstance(source, pd.DataFrame) else str(source)
    frame = (
        source if isinstance(source, pd.DataFrame) else load_parallel_frame(source, target_file, max_bytes)
    )
    pair = _parallel(frame, columns, task, target_file)
    if pair is not None:
        if preprocess is not None:
            frame = _preprocessed(frame, pair, preprocess)
        report, canonical = check_parallel(
            frame,
            pair,
            source=name,
            tokenizer=tokenizer,
            max_length=max_length,
            require_target=require_labels,
            needs_split=labels is None if needs_split is None else needs_split,
            task=parallel_task(task),
        )
        return parallel_dataset(canonical, report, pair, name)
    if preprocess is not None:
        frame = _preprocessed(frame, columns, preprocess)
    report, canonical = check_frame(
        frame,
        columns,
        task,
        source=name,
        tokenizer=tokenizer,
        max_length=max_length,
        eval_texts=eval_texts,
        known_labels=labels,
        require_labels=require_labels,
        needs_split=labels is None if needs_split is None else needs_split,
    )
    if report.errors:
        raise DataError(
            f"{name or 'The data'} cannot be used: {plural(len(report.errors), 'problem')}, "
            f"first: {report.errors[0]}",
            problems=report.errors,
        )
    final_task = report.task or task
    label_list = list(labels) if labels is not None else sort_labels(report.labels)
    fingerprint = content_fingerprint(canonical, final_task)
    return TextDataset(canonical, final_task, label_list, columns, fingerprint, report, source=name)


def _parallel(
    frame: pd.DataFrame, columns: ColumnMap, task: str, target_file: str | Path | None
) -> ColumnMap | None:
    """The source/target columns when ``frame`` holds translation pairs (see ``data.parallel``)."""
    if target_file is not None:
        return ColumnMap(text="source", label="target" if columns.label is not None else None)
    return parallel_columns(frame, columns, task)


def _preprocessed(frame: pd.DataFrame, columns: ColumnMap, spec: PreprocessSpec) -> pd.DataFrame:
    frame = frame.copy()
    for column in (columns.text, columns.text_pair):
        if column and column in frame:
            frame[column] = apply_preprocess(frame[column].astype(str).tolist(), spec)
    return frame
