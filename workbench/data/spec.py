"""Typed contracts of the data layer: what the UI and the trainer ask of it and get back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

TASK_AUTO = "auto"


@dataclass(frozen=True)
class ColumnMap:
    """Which columns of the user's file hold the text, the optional second text and the label."""

    text: str = field(default="text", metadata={"help": "Column holding the text to classify."})
    label: str | None = field(default="label", metadata={"help": "Column holding the gold label."})
    text_pair: str | None = field(
        default=None, metadata={"help": "Optional second text column (sentence-pair tasks)."}
    )

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "label": self.label, "text_pair": self.text_pair}


@dataclass(frozen=True)
class PreprocessSpec:
    """Text clean-up applied identically at training and prediction time (saved with the model)."""

    nfkc: bool = field(default=True, metadata={"help": "Unicode NFKC normalisation (full-width → ASCII...)."})
    collapse_whitespace: bool = field(default=True, metadata={"help": "Collapse runs of whitespace."})
    lowercase: bool = field(default=False, metadata={"help": "Lower-case every text."})
    strip_html: bool = field(default=False, metadata={"help": "Remove HTML tags and unescape entities."})
    mask_pii: bool = field(
        default=False, metadata={"help": "Mask personal data (emails, phones, IDs...) before training."}
    )

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DataReport:
    """Everything found while checking a file: errors block use, warnings do not."""

    source: str
    columns: list[str]
    rows_read: int = 0
    rows_usable: int = 0
    task: str | None = None
    labels: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json_dict(self) -> dict[str, Any]:
        """The ``workbench data check --json`` payload."""
        return {
            "rows": self.rows_usable,
            "task": self.task,
            "labels": self.labels,
            "warnings": self.warnings,
            "errors": self.errors,
        }


@dataclass
class TextDataset:
    """A validated dataset in canonical form.

    ``frame`` columns: ``text``, ``text_pair`` (only for sentence pairs), ``label`` (``str`` for
    classification, ``tuple[str, ...]`` for multi-label, ``float`` for regression; absent when the
    file has no label column) and ``row`` (1-based line number of the record in the source file, for
    messages).
    """

    frame: pd.DataFrame
    task: str
    labels: list[str]
    columns: ColumnMap
    fingerprint: str
    report: DataReport
    source: str = ""

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def texts(self) -> list[str]:
        return self.frame["text"].tolist()

    @property
    def text_pairs(self) -> list[str] | None:
        return self.frame["text_pair"].tolist() if "text_pair" in self.frame else None

    @property
    def has_labels(self) -> bool:
        return "label" in self.frame
