"""Reviewed entities out of the label store: JSON lines with character spans (what annotation tools
read) and CoNLL with IOB2 tags (what NER training reads), both in file order.

The CoNLL file is made by the span-file reader itself (``read_span_records``: words split on word
characters and punctuation, an entity's words tagged ``B-``/``I-``), so reading it back with the
workbench's CoNLL reader gives the same words and tags, and training on it needs no conversion.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench.data.token_files import read_span_records, to_conll
from workbench.errors import DataError
from workbench.fsutil import atomic_write_text
from workbench.review import store
from workbench.review.entities import _entity_queue

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
FORMATS = ("jsonl", "conll")


def reviewed_entities(name: str) -> list[dict[str, Any]]:
    """Reviewed items of an entity queue in file order: ``row``, ``text`` and ``entities`` (spans)."""
    with store.connect() as conn:
        _entity_queue(conn, name)
        rows = conn.execute(
            "SELECT row, text, reviewed_entities FROM items WHERE queue = ? AND status IN "
            "('accepted', 'corrected') ORDER BY row, item_id",
            (name,),
        ).fetchall()
    return [
        {
            "row": r["row"],
            "text": r["text"],
            "entities": [
                {"start": e["start"], "end": e["end"], "label": e["label"]}
                for e in json.loads(r["reviewed_entities"] or "[]")
            ],
        }
        for r in rows
    ]


def entities_jsonl(name: str) -> str:
    """One ``{"text": ..., "entities": [{"start", "end", "label"}]}`` line per reviewed text."""
    return "".join(
        json.dumps({"text": r["text"], "entities": r["entities"]}, ensure_ascii=False) + "\n"
        for r in reviewed_entities(name)
    )


def entities_conll(name: str) -> str:
    """``word<TAB>tag`` lines (IOB2), a blank line between texts."""
    reviewed = reviewed_entities(name)
    if not reviewed:
        return ""
    parsed = read_span_records([(r["row"], r["text"], r["entities"]) for r in reviewed], "row")
    if parsed.problems:  # the store validated every span; this would be a bug, not a user mistake
        raise DataError("Cannot write the reviewed entities as CoNLL: " + " ".join(parsed.problems))
    return to_conll(parsed.records)


def export_format(path: str | Path, fmt: str | None = None) -> str:
    """``fmt`` if given, else JSON lines for ``.jsonl``/``.ndjson``/``.json`` names, CoNLL otherwise."""
    if fmt is not None and fmt not in FORMATS:
        raise DataError(f"Unknown entity export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    return fmt or ("jsonl" if Path(path).suffix.lower() in JSONL_SUFFIXES else "conll")


def export_entities(name: str, path: str | Path, fmt: str | None = None) -> Path:
    """Write the reviewed entities of queue ``name`` as JSON-lines spans or CoNLL (see ``export_format``)."""
    chosen = export_format(path, fmt)
    content = entities_jsonl(name) if chosen == "jsonl" else entities_conll(name)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, content)
    return target


def write_entity_training_data(name: str, path: str | Path | None = None) -> Path:
    """The reviewed entities as CoNLL for fine-tuning again (default ``review/<queue>/training.conll``)."""
    from workbench.models.registry import slugify

    reviewed = reviewed_entities(name)
    if not reviewed:
        raise DataError(f"Queue {name!r} has no reviewed texts yet; review some texts before fine-tuning.")
    target = Path(path) if path else store.store_path().parent / slugify(name) / "training.conll"
    return export_entities(name, target, "conll")
