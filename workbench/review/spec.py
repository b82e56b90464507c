"""What a review queue is asked to be (``QueueSpec``) and what the UI gets back (``QueueSummary``).

The spec is validated on construction and every problem is reported at once, so a form with three
mistakes shows three messages; it is saved with the queue so a later "fine-tune again" knows where
the suggestions came from.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from workbench.errors import SpecError

MAX_TEXT_CHARS = 10_000
MAX_QUEUE_ROWS = 50_000
MAX_LABELS = 200
MAX_NAME_CHARS = 80
MAX_LABEL_CHARS = 100
MAX_DESCRIPTION_CHARS = 500
STATUSES = ("pending", "accepted", "corrected", "skipped")
STATUS_FILTERS = (*STATUSES, "reviewed")
SOURCE_MODEL = "model"
SOURCE_ZERO_SHOT = "zero-shot"


def _meta(
    help_text: str,
    *,
    label: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """The metadata keys ``TrainSpec`` uses, so the UI's spec forms render this spec too."""
    return {"help": help_text, "min": minimum, "max": maximum, "choices": choices, "label": label}


@dataclass(frozen=True)
class QueueSpec:
    """A request for a review queue: which texts, and where the suggested labels come from.

    Exactly one of ``model_id`` (a fine-tuned classifier) or ``labels`` (zero-shot suggestions from
    the default sentence-embedding model, so labelling can start before any model exists).
    """

    name: str = field(metadata=_meta("Name of the queue; shared by everyone using this workspace."))
    text_col: str = field(
        default="text", metadata=_meta("Column with the texts to review.", label="Text column")
    )
    text_pair_col: str | None = field(
        default=None, metadata=_meta("Second text column (sentence pairs).", label="Second text column")
    )
    model_id: str | None = field(
        default=None, metadata=_meta("Fine-tuned classifier that suggests labels.", label="Model")
    )
    labels: tuple[str, ...] | None = field(
        default=None,
        metadata=_meta("Label names for zero-shot suggestions (no model needed).", label="Labels"),
    )
    label_descriptions: dict[str, str] | None = field(
        default=None,
        metadata=_meta("Short description per label; compared with each text instead of the bare name."),
    )
    owner: str = field(default="", metadata=_meta("Who created the queue.", label="Owner"))
    encoder: str = field(
        default="default",
        metadata=_meta(
            "Sentence-embedding model for zero-shot: 'default' (all-MiniLM-L6-v2) or a local folder."
        ),
    )
    temperature: float = field(
        default=0.05,
        metadata=_meta(
            "Zero-shot softmax temperature: lower makes suggestions more confident.",
            minimum=0.001,
            maximum=10.0,
        ),
    )
    uncertainty: str = field(
        default="margin",
        metadata=_meta(
            "How uncertainty is measured (orders the queue).", choices=("margin", "least_confidence")
        ),
    )

    def __post_init__(self) -> None:
        if self.labels is not None and not isinstance(self.labels, tuple):
            object.__setattr__(self, "labels", tuple(self.labels))
        problems = self.problems()
        if problems:
            raise SpecError("Invalid review queue settings: " + "; ".join(problems), problems)

    @property
    def source(self) -> str:
        return SOURCE_MODEL if self.model_id else SOURCE_ZERO_SHOT

    def problems(self) -> list[str]:
        """Every problem at once, each saying what to do."""
        out = name_problems(self.name)
        if not (self.text_col or "").strip():
            out.append("text_col is empty: name the column that holds the texts")
        if self.model_id and self.labels is not None:
            out.append("give either a model (model_id) or zero-shot labels, not both")
        elif not self.model_id and self.labels is None:
            out.append("no label source: give a fine-tuned model (model_id) or label names for zero-shot")
        if self.model_id and self.label_descriptions:
            out.append(
                "label descriptions are only used for zero-shot suggestions; drop them or drop model_id"
            )
        if not self.model_id and self.text_pair_col:
            out.append(
                "zero-shot suggestions compare one text with the labels; sentence pairs need a fine-tuned "
                "model (model_id), or drop text_pair_col"
            )
        if self.labels is not None:
            out += label_problems(list(self.labels), self.label_descriptions or {})
        if not (isinstance(self.temperature, int | float) and math.isfinite(self.temperature)) or not (
            0.001 <= self.temperature <= 10.0
        ):
            out.append(f"temperature must be between 0.001 and 10, got {self.temperature!r}")
        choices = QueueSpec.__dataclass_fields__["uncertainty"].metadata["choices"]
        if self.uncertainty not in choices:
            out.append(f"uncertainty must be one of {', '.join(choices)}; got {self.uncertainty!r}")
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["labels"] = list(self.labels) if self.labels is not None else None
        return data

    @classmethod
    def field_info(cls) -> dict[str, dict[str, Any]]:
        """Label, help, default, range and choices per field, for building forms."""
        return {
            f.name: {
                **f.metadata,
                "default": None if f.default is MISSING else f.default,
                "label": f.metadata.get("label") or f.name.replace("_", " ").capitalize(),
            }
            for f in fields(cls)
        }


def has_control_chars(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def name_problems(name: Any) -> list[str]:
    if not isinstance(name, str) or not name.strip():
        return ["the queue name is empty: type a name such as 'support-tickets-june'"]
    if len(name) > MAX_NAME_CHARS:
        return [f"the queue name is {len(name)} characters long; use at most {MAX_NAME_CHARS}"]
    if has_control_chars(name) or name != name.strip():
        return [f"the queue name {name!r} has control characters or surrounding spaces; remove them"]
    return []


def label_problems(labels: list[Any], descriptions: dict[str, Any]) -> list[str]:
    """Problems of a zero-shot label list and its descriptions, all at once."""
    out = []
    bad = [repr(x) for x in labels if not isinstance(x, str) or not x.strip() or has_control_chars(x)]
    if bad:
        out.append(f"labels must be non-empty text without control characters; got {', '.join(bad)}")
    names = [x for x in labels if isinstance(x, str)]
    long = [repr(x[:20] + "...") for x in names if len(x) > MAX_LABEL_CHARS]
    if long:
        out.append(f"labels longer than {MAX_LABEL_CHARS} characters: {', '.join(long)}; shorten them")
    dupes = sorted({x for x in names if names.count(x) > 1})
    if dupes:
        out.append(f"duplicate labels: {', '.join(map(repr, dupes))}; list each label once")
    distinct = {x for x in names if x.strip()}
    if len(distinct) < 2:
        out.append(
            f"zero-shot needs at least 2 labels, got {len(distinct)}; add the labels analysts choose from"
        )
    if len(labels) > MAX_LABELS:
        out.append(f"{len(labels)} labels is more than {MAX_LABELS}; group them or use a fine-tuned model")
    unknown = [repr(k) for k in descriptions if k not in names]
    if unknown:
        out.append(f"descriptions for unknown labels {', '.join(unknown)}; known labels: {', '.join(names)}")
    for key, text in descriptions.items():
        if not isinstance(text, str) or not text.strip():
            out.append(f"the description of label {key!r} is empty; write a short phrase or drop it")
        elif len(text) > MAX_DESCRIPTION_CHARS:
            out.append(
                f"the description of label {key!r} is {len(text)} characters; use at most {MAX_DESCRIPTION_CHARS}"
            )
    return out


@dataclass(frozen=True)
class QueueSummary:
    """One queue as lists and headers show it: where suggestions came from and how far review got."""

    name: str
    created: str
    owner: str
    source: str
    suggested_by: str
    labels: tuple[str, ...]
    total: int
    reviewed: int = 0
    accepted: int = 0
    corrected: int = 0
    skipped: int = 0
    text_col: str = "text"
    has_pairs: bool = False
    notes: tuple[str, ...] = ()
    kind: str = "label"  # "label": one label per text; "entities": a NER model's spans per text

    @property
    def pending(self) -> int:
        return self.total - self.reviewed - self.skipped

    @property
    def fraction_reviewed(self) -> float:
        return self.reviewed / self.total if self.total else 0.0

    @property
    def progress_text(self) -> str:
        """``"12 of 40 reviewed"``, the headline of the Review page."""
        return f"{self.reviewed} of {self.total} reviewed"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(labels=list(self.labels), notes=list(self.notes), pending=self.pending)
        return data
