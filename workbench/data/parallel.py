"""Parallel (translation) data: a source and a target column of a table, or two aligned plain-text
files, checked and turned into a :class:`TextDataset` of the ``seq2seq`` task.

The canonical frame is ``text`` (source), ``label`` (target, the text the model should produce) and
``row``. Every problem is reported at once with the rows a user sees: empty or whitespace-only sides
(dropped), length-ratio outliers, exact duplicates, copies (target = source) and pairs longer than the
model's token limit, with their token counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from workbench.data.dataset import content_fingerprint
from workbench.data.encoding import decode_bytes
from workbench.data.io import RowNumbering, read_table, row_numbering
from workbench.data.labels import task_entry
from workbench.data.messages import plural, quoted
from workbench.data.rules import MIN_ROWS_TO_SPLIT
from workbench.data.spec import TASK_AUTO, ColumnMap, DataReport, TextDataset
from workbench.errors import DataError

SEQ2SEQ = "seq2seq"  # what a detected pair (``auto``) or two aligned text files are read as
NAMED_PAIRS = (("source", "target"), ("src", "tgt"), ("src", "trg"), ("input", "output"))
LANGUAGE_CODES = frozenset(
    [
        "ar",
        "bg",
        "bn",
        "ca",
        "cs",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "fa",
        "fi",
        "fr",
        "ga",
        "he",
        "hi",
        "hr",
        "hu",
        "id",
        "it",
        "ja",
        "ko",
        "lt",
        "lv",
        "mt",
        "nl",
        "no",
        "pl",
        "pt",
        "ro",
        "ru",
        "sk",
        "sl",
        "sv",
        "sw",
        "th",
        "tr",
        "uk",
        "ur",
        "vi",
        "zh",
    ]
)
MAX_LENGTH_RATIO = 3.0  # one side over 3x the other's characters: likely misaligned
MIN_RATIO_CHARS = 10  # below this a ratio says nothing ("ja" -> "yes")
LINE_NUMBERS = RowNumbering(first=1, unit="line", note="line numbers of the text files")


def detect_pair(names: list[str]) -> tuple[str, str] | None:
    """The source and target columns of a table by their names: source/target, src/tgt, src/trg,
    input/output (any case), or exactly two columns named by language codes (en, de: first is source)."""
    by_folded = {str(n).strip().casefold(): str(n) for n in names}
    for source, target in NAMED_PAIRS:
        if source in by_folded and target in by_folded:
            return by_folded[source], by_folded[target]
    if len(names) == 2 and all(str(n).strip().casefold() in LANGUAGE_CODES for n in names):
        return str(names[0]), str(names[1])
    return None


def reads_parallel(task: str) -> bool:
    """Whether ``task``'s data is source/target pairs (``Task.reads_parallel_columns``: seq2seq)."""
    entry = task_entry(task)
    return entry is not None and entry.reads_parallel_columns


def parallel_task(task: str) -> str:
    """The task parallel data is read for: the one asked for when it reads pairs; seq2seq when a
    pair was detected for ``auto`` or two aligned text files were given."""
    return task if reads_parallel(task) else SEQ2SEQ


def parallel_columns(frame: pd.DataFrame, columns: ColumnMap, task: str) -> ColumnMap | None:
    """The columns to read as source/target when ``frame`` is parallel data, else None.

    For a task that reads pairs (seq2seq) named columns win and a detected pair fills in the
    defaults; with ``auto`` a table is parallel data only when the text column is absent and a pair
    is detected.
    """
    names = [str(c) for c in frame.columns]
    pair = detect_pair(names)
    if reads_parallel(task):
        source = columns.text if columns.text in names or pair is None else pair[0]
        target = columns.label if columns.label in names or pair is None else pair[1]
        if columns.label is None:
            target = None
        return ColumnMap(text=source, label=target)
    if task == TASK_AUTO and columns.text not in names and pair is not None:
        return ColumnMap(text=pair[0], label=pair[1] if columns.label is not None else None)
    return None


def read_parallel_files(source_file: str | Path, target_file: str | Path) -> pd.DataFrame:
    """Two aligned plain-text files (one sentence per line) as a ``source``/``target`` frame."""
    sides = []
    for path in (source_file, target_file):
        file = Path(path)
        if not file.is_file():
            raise DataError(f"Text file not found: {path}. Give one sentence per line in each file.")
        text, _ = decode_bytes(file.read_bytes(), str(path))
        sides.append(text.replace("\r\n", "\n").split("\n"))
    for lines in sides:
        if lines and lines[-1] == "":
            lines.pop()  # the final newline ends the last line; it does not start a new one
    if len(sides[0]) != len(sides[1]):
        raise DataError(
            f"{source_file} has {plural(len(sides[0]), 'line')} but {target_file} has "
            f"{plural(len(sides[1]), 'line')}: the files must be aligned line by line (line n of one "
            "translates line n of the other). Find the missing or extra line and fix it."
        )
    frame = pd.DataFrame({"source": sides[0], "target": sides[1]}, dtype=str)
    frame.attrs["row_numbering"] = LINE_NUMBERS.__dict__.copy()
    return frame


def check_parallel(
    frame: pd.DataFrame,
    columns: ColumnMap,
    *,
    source: str = "",
    tokenizer: Any = None,
    max_length: int | None = None,
    require_target: bool = True,
    needs_split: bool = True,
    task: str = SEQ2SEQ,
) -> tuple[DataReport, pd.DataFrame]:
    """The report of every problem and the canonical frame of the usable pairs (for ``task``, a task
    that reads pairs)."""
    report = DataReport(source=source, columns=[str(c) for c in frame.columns], rows_read=len(frame))
    report.task = task
    wanted = {"source": columns.text, "target": columns.label if require_target else None}
    for side, name in wanted.items():
        if name is not None and name not in frame.columns:
            report.errors.append(
                f"The {side} column {name!r} is not in {source or 'the data'}; its columns are "
                f"{quoted(report.columns)}. Name it with --{side}-column (or call the columns "
                "source and target)."
            )
    if report.errors:
        return report, pd.DataFrame(columns=["text", "label", "row"])
    numbering = row_numbering(frame)
    canonical = pd.DataFrame({"text": _stripped(frame[columns.text])})
    has_target = columns.label is not None and columns.label in frame.columns
    if has_target:
        canonical["label"] = _stripped(frame[columns.label])
    canonical["row"] = range(numbering.first, numbering.first + len(frame))
    canonical = _drop_empty_sides(canonical, report, numbering)
    report.rows_usable = len(canonical)
    _check_size(canonical, report, needs_split and has_target)
    if has_target and len(canonical):
        report.warnings += _pair_warnings(canonical, numbering)
    if tokenizer is not None and len(canonical):
        report.warnings += _over_long(canonical, tokenizer, max_length, numbering)
    return report, canonical


def _stripped(column: pd.Series) -> pd.Series:
    cells = column.astype(object).where(column.notna(), "")
    return cells.astype(str).str.strip().reset_index(drop=True)


def _drop_empty_sides(canonical: pd.DataFrame, report: DataReport, numbering: RowNumbering) -> pd.DataFrame:
    """Rows empty on both sides are blank lines (dropped quietly); one empty side is reported."""
    sides = {"source": canonical["text"] == ""}
    if "label" in canonical:
        sides["target"] = canonical["label"] == ""
    blank = pd.concat(list(sides.values()), axis=1).all(axis=1)
    for side, empty in sides.items():
        rows = canonical.loc[empty & ~blank, "row"].tolist()
        if rows:
            report.warnings.append(
                f"Dropped {plural(len(rows), 'pair')} with an empty or whitespace-only {side}: "
                f"{numbering.where(rows)}. Fill in the {side} or remove the line."
            )
    keep = ~pd.concat(list(sides.values()), axis=1).any(axis=1)
    return canonical[keep].reset_index(drop=True)


def _check_size(canonical: pd.DataFrame, report: DataReport, needs_split: bool) -> None:
    if not len(canonical):
        report.errors.append(
            f"No usable pairs in {report.source or 'the data'}: every row has an empty side. Add pairs."
        )
    elif needs_split and len(canonical) < MIN_ROWS_TO_SPLIT:
        report.errors.append(
            f"Only {plural(len(canonical), 'pair')}: at least {MIN_ROWS_TO_SPLIT} are needed to hold "
            "out a validation set. Add pairs or give a separate evaluation file."
        )


def _pair_warnings(canonical: pd.DataFrame, numbering: RowNumbering) -> list[str]:
    out = []
    source, target, rows = canonical["text"], canonical["label"], canonical["row"]
    copies = rows[source.str.casefold() == target.str.casefold()].tolist()
    if copies:
        out.append(
            f"{plural(len(copies), 'pair')} where the target is a copy of the source: "
            f"{numbering.where(copies)}. An untranslated pair teaches the model to copy; remove it "
            "unless the text really is the same in both languages (names, numbers)."
        )
    repeated = canonical.duplicated(subset=["text", "label"], keep="first")
    if repeated.any():
        first_seen = canonical.drop_duplicates(subset=["text", "label"]).set_index(["text", "label"])["row"]
        shown = [
            f"{numbering.unit} {row} repeats {first_seen[(s, t)]}"
            for s, t, row in canonical.loc[repeated, ["text", "label", "row"]].itertuples(index=False)
        ]
        out.append(
            f"{plural(len(shown), 'exact duplicate pair')} ({numbering.note}): {', '.join(shown[:10])}"
            f"{' ...' if len(shown) > 10 else ''}. Duplicates weigh those pairs more and can leak into "
            "the validation split; remove them."
        )
    out += _ratio_outliers(canonical, numbering)
    return out


def _ratio_outliers(canonical: pd.DataFrame, numbering: RowNumbering) -> list[str]:
    lengths = pd.DataFrame({"s": canonical["text"].str.len(), "t": canonical["label"].str.len()})
    longer, shorter = lengths.max(axis=1), lengths.min(axis=1)
    outlier = (longer >= MIN_RATIO_CHARS) & (longer > MAX_LENGTH_RATIO * shorter)
    if not outlier.any():
        return []
    shown = [
        f"{row} ({s} vs {t} characters)"
        for row, s, t in zip(
            canonical.loc[outlier, "row"], lengths.loc[outlier, "s"], lengths.loc[outlier, "t"], strict=True
        )
    ]
    return [
        f"{plural(len(shown), 'pair')} whose sides differ in length by more than {MAX_LENGTH_RATIO:g}x, "
        f"often a misaligned line: {numbering.unit}s {', '.join(shown[:10])}{' ...' if len(shown) > 10 else ''} "
        f"({numbering.note}). Check that source and target say the same thing."
    ]


def _over_long(
    canonical: pd.DataFrame, tokenizer: Any, max_length: int | None, numbering: RowNumbering
) -> list[str]:
    limit = max_length or int(getattr(tokenizer, "model_max_length", 512) or 512)
    sources = [len(ids) for ids in tokenizer(canonical["text"].tolist())["input_ids"]]
    targets = (
        [len(ids) for ids in tokenizer(text_target=canonical["label"].tolist())["input_ids"]]
        if "label" in canonical
        else [0] * len(sources)
    )
    long = [
        f"{row} (source {s} tokens, target {t} tokens)"
        for row, s, t in zip(canonical["row"], sources, targets, strict=True)
        if s > limit or t > limit
    ]
    if not long:
        return []
    return [
        f"{plural(len(long), 'pair')} longer than the token limit of {limit}, cut when training: "
        f"{numbering.unit}s {', '.join(long[:10])}{' ...' if len(long) > 10 else ''} ({numbering.note}). "
        "Split them into sentences, or raise --max-length."
    ]


def load_parallel_frame(
    path: str | Path, target_file: str | Path | None, max_bytes: int | None = None
) -> pd.DataFrame:
    return read_parallel_files(path, target_file) if target_file else read_table(path, max_bytes=max_bytes)


def parallel_dataset(
    canonical: pd.DataFrame, report: DataReport, columns: ColumnMap, name: str
) -> TextDataset:
    """The dataset of checked pairs, or one ``DataError`` listing every problem."""
    if report.errors:
        raise DataError(
            f"{name or 'The data'} cannot be used: {plural(len(report.errors), 'problem')}, "
            f"first: {report.errors[0]}",
            problems=report.errors,
        )
    task = report.task or SEQ2SEQ
    fingerprint = content_fingerprint(canonical, task)
    return TextDataset(canonical, task, [], columns, fingerprint, report, source=name)
