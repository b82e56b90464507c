"""The checks run on a canonical frame, one small function each, all reporting into one DataReport.

Every rule sees the whole file and appends every problem it finds, so a user fixes a file in one
pass instead of one error per run. Errors block use; warnings are worth reading but do not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from workbench.data.io import RowNumbering
from workbench.data.labels import task_entry
from workbench.data.messages import list_items, plural, quoted, rows_phrase, snippet, verb
from workbench.data.spec import ColumnMap, DataReport
from workbench.data.tokens import UNREADABLE_SHARE, unknown_shares
from workbench.tasks import Task

MIN_ROWS_TO_SPLIT = 10  # fewer rows cannot give both a training set and a validation set
MIN_PER_CLASS = 2  # a class needs one example on each side of a stratified split
TOKENIZE_BATCH = 1000
MAX_CHARS_PER_TOKEN = 32  # texts are cut to max_length * this before counting, to bound hostile input
_UNBOUNDED_LENGTH = 100_000  # tokenizers without a limit report a huge model_max_length


@dataclass
class CheckContext:
    """What the rules need: the canonical frame (``text``, ``text_pair``, ``label``, ``row``) and options."""

    frame: pd.DataFrame
    report: DataReport
    columns: ColumnMap
    numbering: RowNumbering
    task: str | None
    has_labels: bool
    needs_split: bool = True
    tokenizer: Any = None
    max_length: int | None = None
    eval_texts: set[str] | None = None
    known_labels: list[str] | None = None

    @property
    def source(self) -> str:
        return self.report.source or "the data"

    def rows(self, mask: pd.Series | None = None) -> list[int]:
        return (self.frame["row"] if mask is None else self.frame.loc[mask, "row"]).tolist()

    @cached_property
    def entry(self) -> Task | None:
        """The task whose capabilities decide which rules apply (None: no labels to resolve it)."""
        return task_entry(self.task)

    @property
    def stratified(self) -> bool:
        """The split keeps each class's share (the task's ``stratify_split``): classes need rows."""
        return self.entry is not None and self.entry.stratify_split

    def label_classes(self) -> pd.Series:
        """The classes each row's label names, a tuple per row (one class, or a multi-label set)."""
        classes_of = self.entry.label_classes if self.entry is not None else lambda value: (value,)
        return self.frame["label"].map(classes_of)

    @property
    def is_categorical(self) -> bool:
        """Labels name classes (the task's ``labels_are_classes``): the class checks apply."""
        return self.has_labels and self.entry is not None and self.entry.labels_are_classes


def check_no_rows(ctx: CheckContext) -> None:
    if len(ctx.frame):
        return
    if ctx.report.rows_read == 0:
        ctx.report.errors.append(
            f"No data rows in {ctx.source}: it has a header but nothing below it. Add rows."
        )
    else:
        ctx.report.errors.append(
            f"No usable rows in {ctx.source}: all {plural(ctx.report.rows_read, 'row')} lack a text or a label. "
            "Check that the right columns are selected."
        )


def check_class_count(ctx: CheckContext) -> None:
    counts = ctx.report.labels
    if not ctx.is_categorical or ctx.known_labels is not None or len(counts) != 1 or not len(ctx.frame):
        return
    ((label, count),) = counts.items()
    ctx.report.errors.append(
        f"Only one class in column {snippet(ctx.columns.label or '')}: {snippet(label)} "
        f"({plural(count, 'row')}). A classifier needs at least 2 classes; add examples of the other "
        "classes or check the label column."
    )


def check_split_size(ctx: CheckContext) -> None:
    n = len(ctx.frame)
    if not ctx.needs_split or n == 0:
        return
    if n < MIN_ROWS_TO_SPLIT:
        ctx.report.errors.append(
            f"Only {plural(n, 'usable row')} in {ctx.source}: at least {MIN_ROWS_TO_SPLIT} are needed to "
            "train and hold out a validation set. Add rows, or give a separate evaluation file."
        )
        return
    classes = len(ctx.report.labels)
    if ctx.stratified and classes > 1 and n < MIN_PER_CLASS * classes:
        ctx.report.errors.append(
            f"Only {plural(n, 'usable row')} for {classes} classes in {ctx.source}: at least "
            f"{MIN_PER_CLASS} per class ({MIN_PER_CLASS * classes} rows) are needed to split into training "
            "and validation sets. Add rows or merge rare classes."
        )


def check_rare_classes(ctx: CheckContext) -> None:
    if not ctx.stratified or not ctx.has_labels or not ctx.needs_split:
        return
    rare = {label: count for label, count in ctx.report.labels.items() if count < MIN_PER_CLASS}
    if rare and len(ctx.report.labels) > 1:
        details = list_items([f"{snippet(label, 40)} ({plural(c, 'row')})" for label, c in rare.items()])
        ctx.report.warnings.append(
            f"Classes with fewer than {MIN_PER_CLASS} examples (they cannot be stratified across "
            f"training/validation splits): {details}. Add examples or merge them with another class."
        )


def check_known_labels(ctx: CheckContext) -> None:
    if ctx.known_labels is None or not ctx.is_categorical:
        return
    known = set(ctx.known_labels)
    unknown = [label for label in ctx.report.labels if label not in known]
    if not unknown:
        return
    classes = ctx.label_classes()
    details = []
    for label in unknown[:10]:
        mask = classes.map(lambda named, label=label: label in named)
        details.append(f"{snippet(label, 40)} ({rows_phrase(ctx.rows(mask)[:3], ctx.numbering.unit)})")
    ctx.report.errors.append(
        f"{plural(len(unknown), 'label')} in {ctx.source} not known to the model: {list_items(details)} "
        f"({ctx.numbering.note}). The model was trained on: {quoted(ctx.known_labels, 20)}. "
        "Fix those labels, or train a model on data that has them."
    )


def check_conflicting_duplicates(ctx: CheckContext) -> None:
    if not ctx.is_categorical or not len(ctx.frame):
        return
    keys = ["text", "text_pair"] if "text_pair" in ctx.frame else ["text"]
    frame = ctx.frame
    label_keys = ctx.label_classes()
    distinct = label_keys.groupby([frame[k] for k in keys], sort=False).transform("nunique")
    conflicting = frame[distinct > 1]
    if conflicting.empty:
        return
    texts = conflicting.drop_duplicates(keys)
    example = conflicting[conflicting["text"] == texts["text"].iloc[0]].drop_duplicates("label", keep="first")
    first, second = example.iloc[0], example.iloc[1]
    unit = ctx.numbering.unit
    ctx.report.warnings.append(
        f"Conflicting labels for {plural(len(texts), 'text')} (same text, different labels), e.g. "
        f"{snippet(first['text'])} labelled {snippet(_label_text(first['label']), 40)} ({unit} {first['row']}) and "
        f"{snippet(_label_text(second['label']), 40)} ({unit} {second['row']}; {ctx.numbering.note}). The model cannot learn both; "
        "fix or remove the conflicting rows."
    )


def _label_text(label: object) -> str:
    return "|".join(label) if isinstance(label, tuple) else str(label)


def check_long_texts(ctx: CheckContext) -> None:
    if ctx.tokenizer is None or not len(ctx.frame):
        return
    limit = ctx.max_length or getattr(ctx.tokenizer, "model_max_length", None)
    if not limit or limit >= _UNBOUNDED_LENGTH:
        return
    lengths = pd.Series(token_lengths(ctx.tokenizer, ctx.frame, limit), index=ctx.frame.index)
    over = lengths > limit
    if not over.any():
        return
    longest = lengths.idxmax()
    ctx.report.warnings.append(
        f"{plural(int(over.sum()), 'text')} longer than the model's limit of {limit} tokens "
        f"(longest: {lengths[longest]} tokens, {ctx.numbering.unit} {ctx.frame.at[longest, 'row']}; "
        f"{ctx.numbering.note}) "
        f"will be truncated to {limit} tokens."
    )


def check_unreadable_texts(ctx: CheckContext) -> None:
    """Texts the model's vocabulary cannot spell (Chinese for an English model) teach it nothing."""
    if ctx.tokenizer is None or not len(ctx.frame):
        return
    shares = pd.Series(unknown_shares(ctx.tokenizer, ctx.frame["text"].tolist()), index=ctx.frame.index)
    unreadable = shares > UNREADABLE_SHARE
    if not unreadable.any():
        return
    first = shares[unreadable].index[0]
    ctx.report.warnings.append(
        f"{plural(int(unreadable.sum()), 'text')} the model cannot read: more than {UNREADABLE_SHARE:.0%} of "
        f"their tokens are unknown to its vocabulary (e.g. {snippet(ctx.frame.at[first, 'text'])}, "
        f"{ctx.numbering.unit} {ctx.frame.at[first, 'row']}; {ctx.numbering.note}). It cannot learn from them: "
        "choose a base model whose vocabulary covers their language (a multilingual one for Chinese)."
    )


def token_lengths(tokenizer: Any, frame: pd.DataFrame, limit: int) -> list[int]:
    """Token counts (with special tokens) in batches; texts are cut first so a 10 MB cell stays cheap."""
    cap = limit * MAX_CHARS_PER_TOKEN
    texts = [text[:cap] for text in frame["text"].tolist()]
    pairs = [text[:cap] for text in frame["text_pair"].tolist()] if "text_pair" in frame else None
    lengths: list[int] = []
    for start in range(0, len(texts), TOKENIZE_BATCH):
        stop = start + TOKENIZE_BATCH
        encoded = tokenizer(
            texts[start:stop],
            pairs[start:stop] if pairs else None,
            add_special_tokens=True,
            truncation=False,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,
        )
        lengths.extend(len(ids) for ids in encoded["input_ids"])
    return lengths


def check_leakage(ctx: CheckContext) -> None:
    if not ctx.eval_texts or not len(ctx.frame):
        return
    leaked = ctx.frame["text"].isin(ctx.eval_texts)
    if not leaked.any():
        return
    first = ctx.frame[leaked].iloc[0]
    ctx.report.warnings.append(
        f"{plural(int(leaked.sum()), 'text')} of this file also {verb(int(leaked.sum()), 'appears', 'appear')} in the eval file (e.g. "
        f"{snippet(first['text'])}, {ctx.numbering.unit} {first['row']}; {ctx.numbering.note}): evaluation scores would be too "
        "optimistic. Remove them from one of the files."
    )


Rule = Callable[[CheckContext], None]
RULES: list[Rule] = [
    check_no_rows,
    check_class_count,
    check_split_size,
    check_rare_classes,
    check_known_labels,
    check_conflicting_duplicates,
    check_long_texts,
    check_unreadable_texts,
    check_leakage,
]
