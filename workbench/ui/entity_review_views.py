"""Review page pieces for entity queues (a NER model's suggestions): each text with its entities
highlighted; per entity accept / change type / delete; add one by word range or by characters; every
action saved to the shared label store at once (a reload shows it); export as JSON-lines spans or
CoNLL, and fine-tune again on the reviewed entities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from workbench.data.spec import ColumnMap
from workbench.models.registry import slugify
from workbench.ui.errors import guard
from workbench.ui.highlight import highlight_entities
from workbench.ui.layout import flash
from workbench.ui.review_views import FILTERS
from workbench.ui.session import DatasetChoice, session_id, set_dataset, upload_dir

ENTITY_PAGE_SIZE = 10
ADD_MODES = ("word range", "characters")
STATUS_TEXT = {"pending": "suggested", "accepted": "accepted", "changed": "type changed", "added": "added"}


def _save(action: Callable[..., Any], *args: Any, reviewer: str, message: str) -> None:
    """Run one review action (saved before it returns), say so on the next run, and redraw."""
    with guard():
        action(*args, reviewer=reviewer)
    flash(f"{message} (saved, by {reviewer}).")
    st.rerun()


def entity_review(review: Any, summary: Any, reviewer: str) -> None:
    """The queue's texts in review order (least sure first), each with its entities to check."""
    status = st.segmented_control("Show", FILTERS, default="pending", key="review.filter") or "pending"
    items = review.get_queue_items(
        summary.name, status=None if status == "all" else status, limit=ENTITY_PAGE_SIZE
    )
    if items.empty:
        st.info(f"No {status} texts in this queue.")
        return
    st.caption(
        "Accept, retype or delete each suggested entity, add missing ones; a text is reviewed once no "
        "suggestion is left pending (**Done with this text** accepts the rest)."
    )
    for item in items.to_dict("records"):
        with st.container(border=True):
            _item_view(review, summary, item, reviewer)


def _item_view(review: Any, summary: Any, item: dict[str, Any], reviewer: str) -> None:
    name, item_id = summary.name, int(item["item_id"])
    entities = review.get_entities(name, item_id)
    st.html(highlight_entities(item["text"], entities, list(summary.labels)))
    st.caption(
        f"row {item['row']} · {item['status']} · {len(entities)} entit{'y' if len(entities) == 1 else 'ies'}"
    )
    for index, entity in enumerate(entities):
        _entity_row(review, summary, item, index, entity, reviewer)
    _add_entity(review, summary, item, reviewer)
    pending = any(e["status"] == "pending" for e in entities) or item["status"] == "pending"
    if st.button("Done with this text", key=f"review.ent.{item_id}.confirm", disabled=not pending):
        _save(
            review.confirm_entities, name, item_id, reviewer=reviewer, message=f"Row {item['row']} reviewed"
        )


def _entity_row(review: Any, summary: Any, item: dict, index: int, entity: dict, reviewer: str) -> None:
    name, item_id = summary.name, int(item["item_id"])
    span = item["text"][entity["start"] : entity["end"]]
    key = f"review.ent.{item_id}.{entity['start']}-{entity['end']}"
    words, kind, accept, delete = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
    score = f" · {entity['score']:.2f}" if entity.get("score") is not None else ""
    words.markdown(
        f"**{span}** · characters {entity['start']}-{entity['end']} · {STATUS_TEXT[entity['status']]}{score}"
    )
    labels = list(summary.labels)
    chosen = kind.selectbox(
        "type",
        labels,
        index=labels.index(entity["label"]) if entity["label"] in labels else 0,
        key=f"{key}.type.{entity['label']}",  # the stored type in the key: a save redraws it fresh
        label_visibility="collapsed",
    )
    if chosen != entity["label"]:
        _save(review.change_entity_type, name, item_id, index, chosen, reviewer=reviewer,
              message=f"{span!r} is now {chosen}")  # fmt: skip
    if accept.button("Accept", key=f"{key}.accept", disabled=entity["status"] != "pending"):
        _save(review.accept_entity, name, item_id, index, reviewer=reviewer, message=f"{span!r} accepted")
    if delete.button("Delete", key=f"{key}.delete"):
        _save(review.delete_entity, name, item_id, index, reviewer=reviewer, message=f"{span!r} deleted")


def _add_entity(review: Any, summary: Any, item: dict[str, Any], reviewer: str) -> None:
    """Mark a missed entity: words by their numbers (shown), or a character span."""
    name, item_id, text = summary.name, int(item["item_id"]), item["text"]
    key = f"review.ent.{item_id}.add"
    with st.expander("Add a missed entity"):
        words = review.text_words(text)
        mode = st.radio("Add by", ADD_MODES, horizontal=True, key=f"{key}.mode")
        left, right, kind = st.columns(3)
        label = kind.selectbox("Type", list(summary.labels), key=f"{key}.label")
        if mode == ADD_MODES[0]:
            st.caption(" · ".join(f"{i} {w}" for i, (w, _, _) in enumerate(words, start=1)))
            high = max(len(words), 1)
            first = left.number_input("First word", 1, high, 1, key=f"{key}.first")
            last = right.number_input("Last word", 1, high, 1, key=f"{key}.last")
            action, args = review.add_entity_words, (name, item_id, int(first), int(last), label)
        else:
            start = left.number_input("Start character", 0, len(text), 0, key=f"{key}.start")
            end = right.number_input("End character (exclusive)", 0, len(text), len(text), key=f"{key}.end")
            action, args = review.add_entity, (name, item_id, int(start), int(end), label)
        if st.button("Add entity", key=f"{key}.go"):
            _save(action, *args, reviewer=reviewer, message=f"{label} entity added to row {item['row']}")


def entity_agreement_view(stats: dict[str, Any]) -> None:
    """How often the model's entities were kept as they were (a text counts as agreeing when its
    reviewed entities equal the suggestion)."""
    c1, c2, c3 = st.columns(3)
    c1.metric("Texts kept as suggested", stats["accepted"])
    c2.metric("Texts corrected", stats["corrected"])
    c3.metric("Agreement", f"{stats['agreement']:.0%}" if stats["agreement"] is not None else "–")
    counts = stats.get("entities")
    if counts and counts["suggested"] + counts["added"]:
        st.caption(
            f"In the reviewed texts the model suggested {counts['suggested']} entities: {counts['kept']} kept, "
            f"{counts['retyped']} retyped, {counts['deleted']} deleted; reviewers added {counts['added']}."
        )


def entity_export_and_retrain(review: Any, summary: Any) -> None:
    """Download the reviewed entities (JSON-lines spans, CoNLL) and fine-tune again on them."""
    if not summary.reviewed:
        st.caption("Review some texts to export them or fine-tune on them.")
        return
    stem = slugify(summary.name)
    left, middle, right = st.columns(3)
    for column, suffix, what, mime in (
        (left, "jsonl", "JSON-lines spans", "application/jsonl"),
        (middle, "conll", "CoNLL (IOB2)", "text/plain"),
    ):
        target = upload_dir() / f"{stem}-entities.{suffix}"
        with guard():
            review.export_entities(summary.name, target)
        column.download_button(
            f"Export entities ({what})", target.read_bytes(), file_name=target.name, mime=mime,
            key=f"review.export_{suffix}",
        )  # fmt: skip
    if right.button("Fine-tune again with corrections", key="review.retrain"):
        from workbench.training import runs

        with guard():
            preset = {k: v for k, v in st.session_state.get("train_preset", {}).items() if k != "name"}
            spec = review.training_spec(summary.name, **preset)
            run = runs.start_run(spec, owner=session_id())
        set_dataset(
            DatasetChoice(
                path=spec.train_data, name=f"reviewed entities of {summary.name}", columns=ColumnMap()
            )
        )
        st.session_state["run_id"] = run.id
        st.switch_page("pages/train.py")
