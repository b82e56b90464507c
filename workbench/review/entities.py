"""Entity review: a NER model's spans per text, accepted, retyped, deleted or added one at a time.

Each item of an entity queue keeps the model's suggested spans (``entities``) and the reviewer's
working list (``reviewed_entities``), written to the label store by every action, so a reload (or
another session) shows exactly what was done. In the working list an entity is ``pending``
(suggested, not looked at yet), ``accepted``, ``changed`` (its type) or ``added``; a deleted one leaves
the list (the audit trail keeps it). Once no entity is pending the item counts as reviewed:
``accepted`` when the list equals the suggestion, ``corrected`` otherwise. Words for adding by word
range are numbered from 1, split as the span-file reader splits them (word characters, punctuation).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.data.token_files import split_words
from workbench.errors import DataError, IncompatibleError
from workbench.review import store
from workbench.review.service import _as_item_id, _checked_reviewer

ENTITIES = "entities"
PENDING, ACCEPTED, CHANGED, ADDED = "pending", "accepted", "changed", "added"


@dataclass(frozen=True)
class EntityAction:
    """One reviewer action on one text: ``accept``/``change``/``delete`` the entity at ``index`` (in
    the working list, ordered by start), ``add`` the span ``start``-``end`` (characters, end
    exclusive) as ``label``, or ``confirm`` (accept every entity still pending)."""

    kind: str
    index: int | None = None
    start: int | None = None
    end: int | None = None
    label: str | None = None

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in self.__dict__.items() if v is not None}, ensure_ascii=False)


def _span_text(entity: dict[str, Any], text: str) -> str:
    return f"{text[entity['start'] : entity['end']]!r} ({entity['label']}, characters {entity['start']}-{entity['end']})"


def _entity_at(entities: list[dict[str, Any]], action: EntityAction, text: str) -> dict[str, Any]:
    index = action.index
    if not isinstance(index, int) or not 0 <= index < len(entities):
        listed = ", ".join(f"{i}: {_span_text(e, text)}" for i, e in enumerate(entities)) or "none"
        raise DataError(f"The text has no entity {index!r}; its entities are {listed}. Reload the queue.")
    return entities[index]


def _checked_label(label: Any, labels: list[str]) -> str:
    if label not in labels:
        raise DataError(f"{label!r} is not one of the queue's entity types ({', '.join(labels)}); pick one.")
    return str(label)


def _accept(entities: list, action: EntityAction, text: str, labels: list[str]) -> list:
    entity = _entity_at(entities, action, text)
    if entity["status"] == PENDING:
        entity["status"] = ACCEPTED
    return entities


def _change(entities: list, action: EntityAction, text: str, labels: list[str]) -> list:
    entity = _entity_at(entities, action, text)
    entity["label"] = _checked_label(action.label, labels)
    if entity["status"] != ADDED:
        entity["status"] = CHANGED if entity["label"] != entity.get("suggested") else ACCEPTED
    return entities


def _delete(entities: list, action: EntityAction, text: str, labels: list[str]) -> list:
    entities.remove(_entity_at(entities, action, text))
    return entities


def _add(entities: list, action: EntityAction, text: str, labels: list[str]) -> list:
    label = _checked_label(action.label, labels)
    start, end = action.start, action.end
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise DataError(
            f"Characters {start}-{end} are not a span of this text of {len(text)} characters; give "
            f"0 <= start < end <= {len(text)} (end exclusive)."
        )
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise DataError(f"Characters {action.start}-{action.end} hold only spaces; mark a word.")
    clash = [e for e in entities if e["start"] < end and start < e["end"]]
    if clash:
        raise DataError(
            f"Characters {start}-{end} overlap the entity {_span_text(clash[0], text)}; change or delete "
            "that entity instead (one type per character)."
        )
    entities.append({"start": start, "end": end, "label": label, "status": ADDED})
    return sorted(entities, key=lambda e: e["start"])


def _confirm(entities: list, action: EntityAction, text: str, labels: list[str]) -> list:
    for entity in entities:
        if entity["status"] == PENDING:
            entity["status"] = ACCEPTED
    return entities


ACTIONS: dict[str, Callable[[list, EntityAction, str, list[str]], list]] = {
    "accept": _accept,
    "change": _change,
    "delete": _delete,
    "add": _add,
    "confirm": _confirm,
}


def suggested_entities(stored: str | None, text: str) -> list[dict[str, Any]]:
    """The model's spans as a fresh working list (all pending); spans past a stored text's cut dropped."""
    return [
        {**e, "suggested": e["label"], "status": PENDING}
        for e in json.loads(stored or "[]")
        if e["end"] <= len(text)
    ]


def _working(row: sqlite3.Row) -> list[dict[str, Any]]:
    if row["reviewed_entities"] is not None:
        return json.loads(row["reviewed_entities"])
    return suggested_entities(row["entities"], row["text"])


def item_status(entities: list[dict[str, Any]], suggested: list[dict[str, Any]]) -> str:
    if any(e["status"] == PENDING for e in entities):
        return "pending"
    spans = [(e["start"], e["end"], e["label"]) for e in entities]
    return "accepted" if spans == [(e["start"], e["end"], e["label"]) for e in suggested] else "corrected"


def _entity_queue(conn: sqlite3.Connection, name: str) -> dict[str, Any]:
    meta = store.queue_meta(store.require_queue(conn, name))
    if meta.get("kind") != ENTITIES:
        raise IncompatibleError(
            f"Queue {name!r} reviews one label per text, not entities; use record_decision for it."
        )
    return meta


def _item_row(conn: sqlite3.Connection, name: str, item_id: Any) -> sqlite3.Row:
    key = _as_item_id(item_id)
    row = conn.execute(
        "SELECT item_id, text, suggested_label, suggested_by, status, entities, reviewed_entities "
        "FROM items WHERE queue = ? AND item_id = ?",
        (name, key),
    ).fetchone()
    if row is None:
        raise DataError(f"Queue {name!r} has no item {item_id!r}; item ids come from get_queue_items.")
    return row


def get_entities(name: str, item_id: int) -> list[dict[str, Any]]:
    """The text's working list: ``start``, ``end``, ``label``, ``status`` (and ``score``/``suggested``
    for the model's spans), ordered by start."""
    with store.connect() as conn:
        _entity_queue(conn, name)
        return _working(_item_row(conn, name, item_id))


def apply_entity_action(
    name: str, item_id: int, action: EntityAction, *, reviewer: str
) -> list[dict[str, Any]]:
    """Apply one action and save it at once (item, working list and audit trail in one transaction);
    returns the new working list. A wrong action saves nothing and says what to do."""
    reviewer = _checked_reviewer(reviewer)
    if action.kind not in ACTIONS:
        raise DataError(f"Unknown entity action {action.kind!r}; use one of {', '.join(ACTIONS)}.")
    with store.connect() as conn, store.write(conn):
        _entity_queue(conn, name)
        meta_labels = store.queue_meta(store.require_queue(conn, name))["labels"]
        row = _item_row(conn, name, item_id)
        entities = ACTIONS[action.kind](_working(row), action, row["text"], meta_labels)
        status = item_status(entities, suggested_entities(row["entities"], row["text"]))
        gold = "|".join(sorted({e["label"] for e in entities})) if status != "pending" else None
        conn.execute(
            "UPDATE items SET reviewed_entities = ? WHERE queue = ? AND item_id = ?",
            (json.dumps(entities, ensure_ascii=False), name, row["item_id"]),
        )
        store.set_decision(conn, name, row, gold, status, reviewer, logged=action.to_json())
    return entities


def accept_entity(name: str, item_id: int, index: int, *, reviewer: str) -> list[dict[str, Any]]:
    return apply_entity_action(name, item_id, EntityAction("accept", index=index), reviewer=reviewer)


def change_entity_type(
    name: str, item_id: int, index: int, label: str, *, reviewer: str
) -> list[dict[str, Any]]:
    return apply_entity_action(
        name, item_id, EntityAction("change", index=index, label=label), reviewer=reviewer
    )


def delete_entity(name: str, item_id: int, index: int, *, reviewer: str) -> list[dict[str, Any]]:
    return apply_entity_action(name, item_id, EntityAction("delete", index=index), reviewer=reviewer)


def add_entity(
    name: str, item_id: int, start: int, end: int, label: str, *, reviewer: str
) -> list[dict[str, Any]]:
    """Mark characters ``start``-``end`` (end exclusive) of the text as a ``label`` entity."""
    action = EntityAction("add", start=start, end=end, label=label)
    return apply_entity_action(name, item_id, action, reviewer=reviewer)


def confirm_entities(name: str, item_id: int, *, reviewer: str) -> list[dict[str, Any]]:
    """Accept every entity of the text still pending (a text without entities is then reviewed)."""
    return apply_entity_action(name, item_id, EntityAction("confirm"), reviewer=reviewer)


def text_words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` as ``add_entity_words`` numbers them (from 1), with character offsets."""
    words, offsets = split_words(text)
    return [(w, s, e) for w, (s, e) in zip(words, offsets, strict=True)]


def word_span(text: str, first: int, last: int) -> tuple[int, int]:
    """Characters of words ``first``..``last`` (numbered from 1, both included)."""
    words = text_words(text)
    if not (isinstance(first, int) and isinstance(last, int) and 1 <= first <= last <= len(words)):
        raise DataError(
            f"Words {first}-{last} are not a range of this text's {len(words)} words; give "
            f"1 <= first <= last <= {len(words)}."
        )
    return words[first - 1][1], words[last - 1][2]


def add_entity_words(
    name: str, item_id: int, first: int, last: int, label: str, *, reviewer: str
) -> list[dict[str, Any]]:
    """Mark words ``first``..``last`` (numbered from 1, both included; see ``text_words``) as ``label``."""
    with store.connect() as conn:
        _entity_queue(conn, name)
        text = _item_row(conn, name, item_id)["text"]
    start, end = word_span(text, first, last)
    return add_entity(name, item_id, start, end, label, reviewer=reviewer)
