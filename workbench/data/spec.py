"""Typed contracts of the data layer: what the UI and the trainer ask of it and get back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import SpecError

if TYPE_CHECKING:  # pandas loads with the first table read, not with the specs (app start-up)
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

    def __post_init__(self) -> None:
        """Strip names, read "" as "no such column", and refuse one column in two roles."""
        for role in ("text", "label", "text_pair"):
            value = getattr(self, role)
            if value is not None:
                object.__setattr__(self, role, str(value).strip() or None)
        roles = {"text column": self.text, "label column": self.label, "second text column": self.text_pair}
        problems = (
            [] if self.text else ["The text column name is empty; choose the column that holds the texts."]
        )
        seen: dict[str, str] = {}
        for role, name in roles.items():
            if name is not None and name in seen:
                problems.append(
                    f"Column {name!r} is chosen as both the {seen[name]} and the {role}; choose "
                    "different columns."
                )
            elif name is not None:
                seen[name] = role
        if problems:
            raise SpecError(problems[0], problems=problems)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "label": self.label, "text_pair": self.text_pair}


@dataclass(frozen=True)
class PreprocessSpec:
    """Text clean-up applied identically at training and prediction time (saved with the model)."""

    nfkc: bool = field(default=True, metadata={"help": "Unicode NFKC normalisation (full-width → ASCII...)."})
    collapse_whitespace: bool = field(
        default=True,
        metadata={
            "help": "Collapse runs of whitespace (and control characters) into one space; drop zero-width "
            "characters (they join the word they sit in)."
        },
    )
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
    format: str | None = None  # token-level files: conll, tokens-jsonl, spans-jsonl, spans-csv
    scheme: str | None = None  # token-level files: the tag scheme read (IOB1, IOB2, BIOES)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json_dict(self) -> dict[str, Any]:
        """The ``workbench data check --json`` payload."""
        payload = {
            "rows": self.rows_usable,
            "task": self.task,
            "labels": self.labels,
            "warnings": self.warnings,
            "errors": self.errors,
        }
        payload.update({k: v for k, v in (("format", self.format), ("scheme", self.scheme)) if v})
        return payload


@dataclass
class TextDataset:
    """A validated dataset in canonical form.

    ``frame`` columns: ``text``, ``text_pair`` (only for sentence pairs), ``label`` (``str`` for
    classification, ``tuple[str, ...]`` for multi-label, ``float`` for regression; absent when the
    file has no label column) and ``row`` (the record's number as the user sees it, for messages:
    the spreadsheet row for tables, header = row 1; the line number for JSON lines).
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
