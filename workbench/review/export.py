"""Getting reviewed labels out: a formula-safe CSV for people, and training data for "fine-tune again".

The CSV is for spreadsheets, so every cell is neutralised against formula injection; with
``mask_pii`` its text columns also have personal data replaced by typed placeholders (``[EMAIL]``),
by the workspace safety rules. The training file is for the trainer, not for people: it is JSON
lines, so texts keep their exact characters (a review text starting with ``-`` or ``=`` must not
gain a quote in the training data).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from workbench.data.export import write_csv_safe
from workbench.errors import DataError
from workbench.fsutil import atomic_write_text
from workbench.review import store

EXPORT_COLUMNS = (
    "row",
    "text",
    "label",
    "status",
    "suggested_label",
    "suggested_score",
    "suggested_by",
    "reviewer",
    "reviewed_at",
)


def _reviewed(name: str) -> tuple[dict[str, Any], pd.DataFrame]:
    with store.connect() as conn:
        meta = store.queue_meta(store.require_queue(conn, name))
        extra = ("text_pair",) if meta["has_pairs"] else ()
        items = store.fetch_items(conn, name, statuses=("accepted", "corrected"), extra=extra)
    return meta, items.sort_values("row", kind="stable").reset_index(drop=True)


def corrections_frame(name: str, *, mask_pii: bool = False, rules: Any = None) -> pd.DataFrame:
    """Reviewed items in file order: the analyst's ``label`` next to what was suggested, by whom.

    ``mask_pii=True`` masks personal data in ``text`` (and ``text_pair``) with ``rules`` (a rule set or
    rule file; None: the workspace rules, else the defaults).
    """
    meta, items = _reviewed(name)
    frame = items.rename(columns={"gold_label": "label"})
    columns = list(EXPORT_COLUMNS)
    if meta["has_pairs"]:
        columns.insert(2, "text_pair")
    frame = frame[columns]
    return _masked(frame, [c for c in ("text", "text_pair") if c in columns], rules) if mask_pii else frame


def _masked(frame: pd.DataFrame, columns: list[str], rules: Any) -> pd.DataFrame:
    from workbench.safety import resolve_rules
    from workbench.safety.export import mask_columns

    return mask_columns(frame, columns, rules=resolve_rules(rules))


def export_corrections(
    name: str, path: str | Path, *, excel_bom: bool = False, mask_pii: bool = False, rules: Any = None
) -> Path:
    """Write the reviewed labels as CSV, every cell neutralised against formula injection; with
    ``mask_pii`` the texts have their personal data masked (see ``corrections_frame``)."""
    frame = corrections_frame(name, mask_pii=mask_pii, rules=rules)
    return write_csv_safe(frame, Path(path), excel_bom=excel_bom)


def to_training_frame(name: str) -> pd.DataFrame:
    """``text``, ``label`` (and ``text_pair``) of every reviewed item, for fine-tuning again.

    Needs reviewed items of at least two labels: a classifier cannot learn from one.
    """
    meta, items = _reviewed(name)
    used = sorted(set(items["gold_label"]))
    if len(used) < 2:
        shown = f" (only {used[0]!r})" if used else ""
        raise DataError(
            f"Queue {name!r} has {len(items)} reviewed item(s) with {len(used)} label(s){shown}; fine-tuning "
            "needs reviewed examples of at least 2 labels. Review more items first."
        )
    columns = ["text", "text_pair", "gold_label"] if meta["has_pairs"] else ["text", "gold_label"]
    return items[columns].rename(columns={"gold_label": "label"})


def write_training_data(name: str, path: str | Path | None = None) -> Path:
    """The training frame as JSON lines (default: ``review/<queue>/training.jsonl`` in the workspace)."""
    from workbench.models.registry import slugify

    frame = to_training_frame(name)
    target = Path(path) if path else store.store_path().parent / slugify(name) / "training.jsonl"
    atomic_write_text(target, frame.to_json(orient="records", lines=True, force_ascii=False))
    return target


def training_spec(name: str, **settings: Any) -> Any:
    """A ``TrainSpec`` that fine-tunes on the reviewed labels ("fine-tune again with corrections").

    The base model defaults to the one the queue's model was fine-tuned from ('default' for zero-shot
    queues); other ``TrainSpec`` fields can be given in ``settings`` (e.g. a Train-page preset). The
    fields that describe the data (file, columns, task) always describe the reviewed labels, so a
    preset made for another file cannot point training at the wrong columns.
    """
    from workbench.models.registry import Registry, slugify
    from workbench.training.spec import TrainSpec

    with store.connect() as conn:
        meta = store.queue_meta(store.require_queue(conn, name))
    model_id = meta["spec"].get("model_id")
    defaults: dict[str, Any] = {
        "base_model": Registry().get(model_id).base_model if model_id else "default",
        "name": f"{slugify(name)}-reviewed",
    }
    entity_queue = meta.get("kind") == "entities"
    data_fields = {
        "train_data": "" if entity_queue else str(write_training_data(name)),
        "text_col": "text",
        "label_col": "label",
        "text_pair_col": "text_pair" if meta["has_pairs"] else None,
        "eval_data": None,
        "task": "classification",
    }
    if entity_queue:  # the reviewed spans as CoNLL, for the queue model's task
        from workbench.review.entity_export import write_entity_training_data

        data_fields.update(train_data=str(write_entity_training_data(name)), task="token-classification")
    return TrainSpec(**{**defaults, **settings, **data_fields})
