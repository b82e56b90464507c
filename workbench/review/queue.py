"""Build a review queue from a table: clean the texts, suggest a label for each, order them for review.

Suggestions come from a registered *suggester* (a fine-tuned model, or zero-shot similarity when no
model exists yet). The texts are checked with the workspace safety rules first: a text they block
gets no suggestion (it is marked blocked, with the reason). The order puts texts that tripped safety
rules first (a person must look at those anyway), then the ones the suggester is least sure of,
where a correction teaches most.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.data.io import RowNumbering, row_numbering
from workbench.data.messages import plural
from workbench.errors import DataError, IncompatibleError
from workbench.progress import ProgressCallback, no_progress
from workbench.review.spec import MAX_QUEUE_ROWS, MAX_TEXT_CHARS, QueueSpec
from workbench.tasks import Prediction

# C0/C1 controls except tab and newline, plus bidi overrides that make displayed text lie
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SEVERITY_ORDER = ("low", "medium", "high", "critical")
BLOCKED_SUGGESTER = "none (blocked by the safety rules)"


@dataclass
class Suggestions:
    predictions: list[Prediction]
    labels: list[str]
    suggested_by: str
    kind: str = "label"  # what is reviewed: one "label" per text, or "entities" (spans) per text


@dataclass
class PreparedTexts:
    """Texts as stored for review, with their row numbers and what cleaning changed."""

    rows: list[int] = field(default_factory=list)
    full: list[str] = field(default_factory=list)
    pairs: list[str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def stored(self) -> list[str]:
        return [t[:MAX_TEXT_CHARS] for t in self.full]


Suggester = Callable[[QueueSpec, list[str], "list[str] | None", ProgressCallback], Suggestions]
SUGGESTERS: dict[str, Suggester] = {}


def register_suggester(source: str) -> Callable[[Suggester], Suggester]:
    def add(fn: Suggester) -> Suggester:
        SUGGESTERS[source] = fn
        return fn

    return add


@register_suggester("model")
def suggest_with_model(
    spec: QueueSpec, texts: list[str], pairs: list[str] | None, progress: ProgressCallback
) -> Suggestions:
    """Batch predictions of a fine-tuned model whose task can be reviewed: a single-label classifier
    (one label per text) or a token-classification model (entity spans per text)."""
    from workbench.inference.predict import MODEL_CACHE
    from workbench.models.registry import Registry
    from workbench.tasks import get_task

    record = Registry().get(spec.model_id or "")
    task = get_task(record.task)
    if task.review_kind is None:
        raise IncompatibleError(
            f"Model {record.id!r} is a {record.task} model; review queues need a single-label classification "
            "or a token-classification (NER) model. Pick one of those, or start with zero-shot labels instead."
        )
    if pairs is not None and task.review_kind != "label":
        raise DataError(
            f"Model {record.id!r} finds entities in one text; drop the second text column to review its entities."
        )
    loaded = MODEL_CACHE.get(record.id)
    predictions = loaded.predict(texts, pairs, progress=progress)
    return Suggestions(predictions, task.review_labels(list(loaded.labels)), record.id, task.review_kind)


@register_suggester("zero-shot")
def suggest_zero_shot(
    spec: QueueSpec, texts: list[str], pairs: list[str] | None, progress: ProgressCallback
) -> Suggestions:
    """Similarity between each text and the label names/descriptions (no fine-tuned model needed)."""
    from workbench.review.zero_shot import get_encoder, zero_shot_predictions

    encoder = get_encoder(spec.encoder)
    labels = list(spec.labels or ())
    predictions = zero_shot_predictions(
        texts,
        labels,
        descriptions=spec.label_descriptions,
        temperature=spec.temperature,
        encoder=encoder,
        progress=progress,
    )
    return Suggestions(predictions, labels, f"zero-shot:{encoder.name}")


UNCERTAINTY: dict[str, Callable[[list[float]], float]] = {
    # 1 - (top - runner-up): two labels nearly tied is the most useful thing to show a person
    "margin": lambda p: 1.0 - (p[0] - (p[1] if len(p) > 1 else 0.0)),
    "least_confidence": lambda p: 1.0 - p[0],
}


def uncertainty(prediction: Prediction, measure: str) -> float:
    ranked = sorted(prediction.probabilities.values(), reverse=True) or [prediction.score]
    return round(UNCERTAINTY[measure](ranked), 6)


def prepare_texts(frame: pd.DataFrame, spec: QueueSpec, numbering: RowNumbering) -> PreparedTexts:
    """Clean hostile cells, drop empty texts; every change is said in ``notes`` for the user."""
    missing = [c for c in (spec.text_col, spec.text_pair_col) if c and c not in frame.columns]
    if missing:
        raise DataError(
            f"Column(s) {', '.join(map(repr, missing))} not found. The table has: "
            f"{', '.join(map(repr, map(str, frame.columns)))}. Pick the text column from those."
        )
    if len(frame) > MAX_QUEUE_ROWS:
        raise DataError(
            f"{len(frame):,} rows is more than a review queue takes ({MAX_QUEUE_ROWS:,}); "
            "review a sample or split the file."
        )
    texts = [_clean(v) for v in frame[spec.text_col].tolist()]
    pairs = [_clean(v) for v in frame[spec.text_pair_col].tolist()] if spec.text_pair_col else None
    out = PreparedTexts(pairs=[] if pairs is not None else None)
    row_numbers = [numbering.number(i) for i in range(len(frame))]
    empty, cleaned, cut = [], 0, []
    for i, (text, changed) in enumerate(texts):
        if not text.strip():
            empty.append(row_numbers[i])
            continue
        out.rows.append(row_numbers[i])
        out.full.append(text)
        cleaned += int(changed or (pairs is not None and pairs[i][1]))
        if len(text) > MAX_TEXT_CHARS:
            cut.append(row_numbers[i])
        if pairs is not None and out.pairs is not None:
            out.pairs.append(pairs[i][0][:MAX_TEXT_CHARS])
    out.notes = _cleaning_notes(empty, cleaned, cut, numbering)
    if not out.full:
        raise DataError(
            f"Column {spec.text_col!r} has no non-empty texts; pick the column that holds the texts."
        )
    return out


def _clean(value: Any) -> tuple[str, bool]:
    """The cell as text without control or bidi-override characters, and whether any were removed."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "", False
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    safe = _UNSAFE_CHARS.sub("", text)
    return safe, safe != text


def _cleaning_notes(empty: list[int], cleaned: int, cut: list[int], numbering: RowNumbering) -> list[str]:
    notes = []
    if empty:
        notes.append(f"{plural(len(empty), 'text')} left out because empty: {numbering.where(empty)}.")
    if cleaned:
        notes.append(f"{plural(cleaned, 'text')} had control or text-direction characters removed.")
    if cut:
        notes.append(
            f"{plural(len(cut), 'text')} longer than {MAX_TEXT_CHARS:,} characters stored cut to that length "
            f"({numbering.where(cut)}); suggestions and safety checks used the full text."
        )
    return notes


def scan_rule_hits(
    texts: list[str], progress: ProgressCallback, rules: Any = None
) -> tuple[list[dict[str, Any]], str | None, list[tuple[str, ...]]]:
    """Safety-rule hits per text (short text, details, blocked, priority), or a note saying why there
    are none, and each text's scan notes (a model rule that could not read it). ``rules``: a rule set
    or rule file; None uses the workspace rules (else the defaults)."""
    try:
        from workbench.safety import resolve_rules, scan_batch
    except ImportError as exc:
        note = f"Safety rules are not available ({exc}); the queue is ordered by uncertainty only."
        return [_no_hits() for _ in texts], note, [() for _ in texts]
    results = scan_batch(texts, resolve_rules(rules), progress=progress)
    return [_hits_summary(r) for r in results], None, [r.notes for r in results]


def _unread_notes(scan_notes: list[tuple[str, ...]], rows: list[int], numbering: RowNumbering) -> list[str]:
    """One line per model rule that could not judge some texts (or judged only the words its model
    reads), with the rows: the queue's order says nothing about those rules there."""
    rows_by: dict[tuple[str, bool], list[int]] = {}
    for row, notes in zip(rows, scan_notes, strict=True):
        for note in notes:
            rule, _, why = note.partition(": ")
            rows_by.setdefault((rule, why.startswith("not judged")), []).append(row)
    return [
        f"Rule {rule} could not read {plural(len(where), 'text')} ({numbering.where(where)}): its model "
        "gave no verdict there, so check them yourself."
        if unjudged
        else f"Rule {rule} judged {plural(len(where), 'text')} only on the words its model can read "
        f"({numbering.where(where)}): the rest is in a script it does not know."
        for (rule, unjudged), where in rows_by.items()
    ]


def _no_hits() -> dict[str, Any]:
    return {"rule_hits": "", "hit_details": "[]", "blocked": 0, "block_reason": None, "priority": (0, 0)}


def _hits_summary(result: Any) -> dict[str, Any]:
    hits = list(result.hits)
    categories = list(dict.fromkeys(h.category for h in hits))
    flag = 2 if result.blocked else 1 if result.needs_review else 0
    severity = max(
        (SEVERITY_ORDER.index(h.severity) + 1 for h in hits if h.severity in SEVERITY_ORDER), default=0
    )
    details = [h.to_json_dict() for h in hits]
    return {
        "rule_hits": ", ".join(categories),
        "hit_details": json.dumps(details),
        "blocked": int(result.blocked),
        "block_reason": result.block_reason,
        "priority": (flag, severity),
    }


def build_items(
    spec: QueueSpec, frame: pd.DataFrame, progress: ProgressCallback = no_progress, rules: Any = None
) -> tuple[list[dict[str, Any]], Suggestions, list[str]]:
    """Rows for the store (with ``rank``), the suggestions' source, and notes for the user.

    ``row`` is the number the user sees in the file (spreadsheet row, JSON-lines line...). Texts the
    safety ``rules`` block are not shown to the suggester: they get an empty suggestion."""
    numbering = row_numbering(frame)
    prepared = prepare_texts(frame, spec, numbering)
    hits, hits_note, scan_notes = scan_rule_hits(prepared.full, progress, rules)
    keep = [i for i, hit in enumerate(hits) if not hit["blocked"]]
    pairs = prepared.pairs
    suggestions = SUGGESTERS[spec.source](
        spec,
        [prepared.full[i] for i in keep],
        [pairs[i] for i in keep] if pairs is not None else None,
        progress,
    )
    suggested = dict(zip(keep, suggestions.predictions, strict=True))
    stored = prepared.stored
    items = []
    for i, hit in enumerate(hits):
        items.append(
            {
                "item_id": i + 1,
                "row": prepared.rows[i],
                "text": stored[i],
                "text_pair": pairs[i] if pairs is not None else None,
                "truncated": int(len(prepared.full[i]) > len(stored[i])),
                **_suggestion_fields(suggested.get(i), suggestions.suggested_by, spec.uncertainty),
                **hit,
            }
        )
    items.sort(key=lambda it: (-it["priority"][0], -it["priority"][1], -it["uncertainty"], it["item_id"]))
    for rank, item in enumerate(items):
        item["rank"] = rank
    blocked_rows = [prepared.rows[i] for i, hit in enumerate(hits) if hit["blocked"]]
    notes = [
        *prepared.notes,
        *([hits_note] if hits_note else []),
        *_unread_notes(scan_notes, prepared.rows, numbering),
    ]
    if blocked_rows:
        notes.append(
            f"{plural(len(blocked_rows), 'text')} blocked by the safety rules got no suggestion "
            f"({numbering.where(blocked_rows)}); label them yourself or skip them."
        )
    return items, suggestions, notes


def _suggestion_fields(prediction: Prediction | None, suggested_by: str, measure: str) -> dict[str, Any]:
    """The suggestion columns of one item; a blocked text (no prediction) gets none and counts as unsure."""
    if prediction is None:
        return {
            "suggested_label": "",
            "suggested_score": 0.0,
            "suggested_by": BLOCKED_SUGGESTER,
            "probabilities": "{}",
            "uncertainty": 1.0,
            "entities": None,
        }
    label = prediction.label
    return {
        "suggested_label": "|".join(label) if isinstance(label, list) else str(label),
        "suggested_score": round(float(prediction.score), 6),
        "suggested_by": suggested_by,
        "probabilities": json.dumps({k: round(v, 6) for k, v in prediction.probabilities.items()}),
        "uncertainty": uncertainty(prediction, measure),
        "entities": None if prediction.entities is None else json.dumps(_spans(prediction.entities)),
    }


def _spans(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What an entity queue stores of a predicted entity: its span, type and score."""
    return [
        {
            "start": int(e["start"]),
            "end": int(e["end"]),
            "label": e["label"],
            "score": round(float(e["score"]), 6),
        }
        for e in entities
    ]
