"""The review service the Review page and the CLI call: one function per user action.

Queues and decisions live in the shared label store (``store.py``), so every session sees the same
queue and a decision is on disk before the function returns.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Sequence
from typing import Any

import pandas as pd

from workbench.errors import DataError, IncompatibleError, RegistryError, SpecError
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.review import store
from workbench.review.queue import build_items
from workbench.review.spec import STATUS_FILTERS, QueueSpec, QueueSummary, has_control_chars

MAX_REVIEWER_CHARS = 100


def create_queue(
    name: str,
    frame: pd.DataFrame,
    *,
    text_col: str,
    text_pair_col: str | None = None,
    model_id: str | None = None,
    labels: Sequence[str] | None = None,
    label_descriptions: dict[str, str] | None = None,
    owner: str = "",
    encoder: str = "default",
    temperature: float = 0.05,
    uncertainty: str = "margin",
    overwrite: bool = False,
    rules: Any = None,
    progress: ProgressCallback | None = None,
) -> QueueSummary:
    """Suggest a label for every text of ``frame`` and save the queue, ordered for review.

    Suggestions come from ``model_id`` (a fine-tuned classifier) or, before any model exists, from
    zero-shot similarity to ``labels`` (or to ``label_descriptions``; their keys are the labels when
    ``labels`` is not given). An existing queue of that name is only replaced with ``overwrite``.
    ``rules`` (a ``RuleSet`` or a rule file extending the defaults; None: the workspace rule file,
    else the defaults) order the queue and block texts, which then get no suggestion.
    """
    progress = progress or no_progress
    if labels is None and label_descriptions and not model_id:
        labels = list(label_descriptions)
    spec = QueueSpec(
        name=name,
        text_col=text_col,
        text_pair_col=text_pair_col,
        model_id=model_id,
        labels=tuple(labels) if labels is not None else None,
        label_descriptions=dict(label_descriptions) if label_descriptions else None,
        owner=owner,
        encoder=encoder,
        temperature=temperature,
        uncertainty=uncertainty,
    )
    if not overwrite:
        with store.connect() as conn:
            _refuse_existing(conn, name)  # fail before the slow part
    items, suggestions, notes = build_items(spec, frame, progress, rules=rules)
    meta = {
        "name": name,
        "created": store.now_iso(),
        "owner": owner,
        "source": spec.source,
        "suggested_by": suggestions.suggested_by,
        "labels": suggestions.labels,
        "kind": suggestions.kind,
        "text_col": text_col,
        "has_pairs": text_pair_col is not None,
        "spec": spec.to_dict(),
        "notes": notes,
    }
    with store.connect() as conn, store.write(conn):
        if overwrite:
            store.delete_queue_rows(conn, name)
        else:
            _refuse_existing(conn, name)
        store.insert_queue(conn, meta, [{k: v for k, v in it.items() if k != "priority"} for it in items])
    progress(ProgressEvent(kind="done", step=len(items), total_steps=len(items), message="queue saved"))
    return get_queue(name)


def _refuse_existing(conn: Any, name: str) -> None:
    row = conn.execute("SELECT * FROM queues WHERE name = ?", (name,)).fetchone()
    if row is not None:
        summary = _summary(store.queue_meta(row), store.status_counts(conn, name))
        by = f" by {summary.owner}" if summary.owner else ""
        raise RegistryError(
            f"A review queue named {name!r} already exists ({summary.progress_text}, created "
            f"{summary.created}{by}). Pick another name, or overwrite it (this deletes its decisions)."
        )


def _summary(meta: dict[str, Any], counts: dict[str, int]) -> QueueSummary:
    accepted, corrected = counts.get("accepted", 0), counts.get("corrected", 0)
    return QueueSummary(
        name=meta["name"],
        created=meta["created"],
        owner=meta["owner"],
        source=meta["source"],
        suggested_by=meta["suggested_by"],
        labels=tuple(meta["labels"]),
        total=sum(counts.values()),
        reviewed=accepted + corrected,
        accepted=accepted,
        corrected=corrected,
        skipped=counts.get("skipped", 0),
        text_col=meta["text_col"],
        has_pairs=meta["has_pairs"],
        notes=tuple(meta["notes"]),
        kind=meta.get("kind") or "label",
    )


def get_queue(name: str) -> QueueSummary:
    with store.connect() as conn:
        meta = store.queue_meta(store.require_queue(conn, name))
        return _summary(meta, store.status_counts(conn, name))


def list_queues() -> list[QueueSummary]:
    """Every queue in the workspace, oldest first, with its review progress."""
    with store.connect() as conn:
        rows = conn.execute("SELECT * FROM queues ORDER BY created, name").fetchall()
        counts: dict[str, dict[str, int]] = {}
        for queue, status, count in conn.execute(
            "SELECT queue, status, COUNT(*) FROM items GROUP BY queue, status"
        ):
            counts.setdefault(queue, {})[status] = count
    return [_summary(store.queue_meta(r), counts.get(r["name"], {})) for r in rows]


def get_queue_items(
    name: str, *, status: str | None = None, limit: int | None = None, offset: int = 0
) -> pd.DataFrame:
    """Items in review order (rule hits first, then most uncertain). ``status`` filters: pending,
    accepted, corrected, skipped, or reviewed (accepted + corrected). A ``text_pair`` column is added
    for sentence-pair queues."""
    if status is not None and status not in STATUS_FILTERS:
        raise SpecError(f"Unknown status filter {status!r}; use one of {', '.join(STATUS_FILTERS)}.")
    if (limit is not None and limit < 0) or offset < 0:
        raise SpecError(f"limit and offset must not be negative; got limit={limit}, offset={offset}.")
    statuses = ("accepted", "corrected") if status == "reviewed" else (status,) if status else None
    with store.connect() as conn:
        meta = store.queue_meta(store.require_queue(conn, name))
        extra = ("block_reason", "text_pair") if meta["has_pairs"] else ("block_reason",)
        return store.fetch_items(conn, name, statuses=statuses, limit=limit, offset=offset, extra=extra)


def get_item(name: str, item_id: int) -> dict[str, Any]:
    """One item with its probabilities, safety-hit spans (no raw matched text) and decision history."""
    with store.connect() as conn:
        store.require_queue(conn, name)
        key = _as_item_id(item_id)
        row = conn.execute("SELECT * FROM items WHERE queue = ? AND item_id = ?", (name, key)).fetchone()
        if row is None:
            raise DataError(f"Queue {name!r} has no item {item_id!r}; item ids come from get_queue_items.")
        item = dict(row)
        item["probabilities"] = json.loads(item["probabilities"])
        item["hits"] = json.loads(item.pop("hit_details"))
        item["truncated"] = bool(item["truncated"])
        item["blocked"] = bool(item["blocked"])
        item["history"] = store.decision_history(conn, name, key).to_dict("records")
    return item


def record_decision(name: str, item_id: int, label: str, *, reviewer: str) -> None:
    """Accept (``label`` = the suggestion) or correct one item; saved before returning. Recording the
    label an item already has changes nothing (safe to call again after a rerun)."""
    record_decisions(name, [(item_id, label)], reviewer=reviewer)


def record_decisions(name: str, decisions: Sequence[tuple[int, str]], reviewer: str) -> int:
    """Several decisions in one transaction (a ``st.data_editor`` save): all are checked first and
    none is saved if any is wrong. Returns how many items changed."""
    reviewer = _checked_reviewer(reviewer)
    with store.connect() as conn, store.write(conn):
        meta = store.queue_meta(store.require_queue(conn, name))
        if meta.get("kind") == "entities":
            raise IncompatibleError(
                f"Queue {name!r} reviews entities, not one label per text: use accept_entity, "
                "change_entity_type, delete_entity or add_entity."
            )
        keys = [_as_item_id(item_id) for item_id, _ in decisions]
        states = store.item_states(conn, name, [k for k in keys if k is not None])
        wanted = _checked_decisions(name, decisions, meta["labels"], states)
        changed = 0
        for item_id, label in wanted.items():
            state = states[item_id]
            if state["gold_label"] == label and state["status"] in ("accepted", "corrected"):
                continue
            status = "accepted" if label == state["suggested_label"] else "corrected"
            store.set_decision(conn, name, state, label, status, reviewer)
            changed += 1
    return changed


def _as_item_id(value: Any) -> int | None:
    """Item ids arrive as numpy integers from a data editor; SQLite only binds Python ints."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else None


def _checked_decisions(
    name: str, decisions: Sequence[tuple[Any, Any]], labels: list[str], states: dict[int, Any]
) -> dict[int, str]:
    """Decisions keyed by item id, or a ``DataError`` listing every wrong one."""
    problems: list[str] = []
    wanted: dict[int, str] = {}
    for given_id, label in decisions:
        item_id = _as_item_id(given_id)
        text = label.strip() if isinstance(label, str) else ""
        if item_id is None or item_id not in states:
            problems.append(f"queue {name!r} has no item {given_id!r}; reload the queue")
        elif text not in labels:
            given = f"label {label!r} is not" if text else "an empty label is not"
            problems.append(
                f"item {item_id}: {given} one of the queue's labels ({', '.join(labels)}); pick one"
            )
        elif wanted.get(item_id, text) != text:
            problems.append(
                f"item {item_id} was given two labels ({wanted[item_id]!r} and {text!r}); keep one"
            )
        else:
            wanted[item_id] = text
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise DataError(f"Nothing was saved: {problems[0]}{more}.", problems)
    return wanted


def _checked_reviewer(reviewer: Any) -> str:
    text = reviewer.strip() if isinstance(reviewer, str) else ""
    if not text:
        raise SpecError("The reviewer name is empty: enter your name so each decision shows who made it.")
    if len(text) > MAX_REVIEWER_CHARS or has_control_chars(text):
        raise SpecError(
            f"The reviewer name {text[:40]!r} is too long or has control characters; use a plain name "
            f"of at most {MAX_REVIEWER_CHARS} characters."
        )
    return text


def skip_item(name: str, item_id: int, *, reviewer: str) -> None:
    """Set an item aside (it counts as neither reviewed nor pending); a label given earlier is cleared."""
    reviewer = _checked_reviewer(reviewer)
    with store.connect() as conn, store.write(conn):
        store.require_queue(conn, name)
        key = _as_item_id(item_id)
        state = store.item_states(conn, name, [key]).get(key) if key is not None else None
        if state is None:
            raise DataError(f"Queue {name!r} has no item {item_id!r}; reload the queue.")
        if state["status"] != "skipped":
            store.set_decision(conn, name, state, None, "skipped", reviewer)


def get_history(name: str, item_id: int | None = None) -> pd.DataFrame:
    """The audit trail of a queue (or one item): label, status, suggestion, suggester, reviewer, time."""
    with store.connect() as conn:
        store.require_queue(conn, name)
        return store.decision_history(conn, name, _as_item_id(item_id) if item_id is not None else None)


def delete_queue(name: str) -> None:
    """Remove a queue with all its decisions (there is no undo)."""
    with store.connect() as conn, store.write(conn):
        store.require_queue(conn, name)
        store.delete_queue_rows(conn, name)
