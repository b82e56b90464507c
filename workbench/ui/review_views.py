"""Review page pieces: create a queue (model or zero-shot suggestions), review it in a data editor
(each edit saved at once to the shared label store), agreement stats, export, fine-tune again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from workbench.data.spec import ColumnMap
from workbench.models.registry import slugify
from workbench.ui.data_views import UPLOAD_TYPES, saved_upload
from workbench.ui.errors import guard
from workbench.ui.forms import spec_form_fields
from workbench.ui.layout import flash
from workbench.ui.progress import progress_bar
from workbench.ui.resources import ensure_model_libraries, models, read_table_cached
from workbench.ui.sample import SAMPLE_UNLABELLED
from workbench.ui.session import DatasetChoice, active_model, dataset, session_id, set_dataset, upload_dir

PAGE_SIZE = 50
ZERO_SHOT = "Zero-shot from label names (no model needed)"
FILTERS = ("pending", "reviewed", "corrected", "accepted", "skipped", "all")


def reviewable(task_name: str) -> bool:
    """Whether models of this task can suggest for review (a label per text, or entities)."""
    from workbench.tasks import TASKS

    task = TASKS.get(task_name)
    return task is not None and task.review_kind is not None


def _texts_source() -> tuple[str | None, str]:
    """The file whose texts get reviewed: an upload of this session or the sample unlabelled file."""
    options = ["Upload a file"] + (
        ["Sample: unlabelled support messages"] if SAMPLE_UNLABELLED.is_file() else []
    )
    choice = st.radio(
        "Texts to review", options, index=len(options) - 1, horizontal=True, key="review.source"
    )
    if choice == "Upload a file":
        path = saved_upload(st.file_uploader("File with texts", type=UPLOAD_TYPES, key="review.upload"))
        return path, Path(path).stem if path else ""
    return str(SAMPLE_UNLABELLED), "support-unlabelled"


def _suggester() -> dict[str, Any]:
    """``model_id=...`` or ``labels=..., label_descriptions=...`` for ``create_queue``."""
    tuned = [r.id for r in models() if reviewable(r.task)]
    options = [*tuned, ZERO_SHOT]
    current = active_model()
    source = st.selectbox(
        "Suggested labels come from",
        options,
        index=options.index(current) if current in options else 0,
        key="review.suggester",
    )
    if source != ZERO_SHOT:
        return {"model_id": source}
    known = dataset().labels if dataset() is not None else ()
    labels = st.text_input(
        "Labels (comma-separated)",
        value=", ".join(known),
        key="review.labels",
        placeholder="refund, delivery, card_problem",
    )
    described = st.text_area(
        "Label descriptions (optional, one `label: description` a line)",
        key="review.descriptions",
        placeholder="refund: the customer wants money back",
    )
    descriptions = dict(
        (part.strip() for part in line.split(":", 1)) for line in described.splitlines() if ":" in line
    )
    return {
        "labels": [x.strip() for x in labels.split(",") if x.strip()],
        "label_descriptions": descriptions or None,
    }


def new_queue_form(review: Any) -> None:
    """Batch-predict a file into a new queue, ordered by rule hits and uncertainty."""
    path, stem = _texts_source()
    if path is None:
        st.caption("Upload a CSV, TSV, XLSX or JSON-lines file with a text column.")
        return
    with guard():
        frame = read_table_cached(path)
    columns = list(frame.columns)
    text_col = st.selectbox(
        "Text column", columns, index=columns.index("text") if "text" in columns else 0, key="review.text_col"
    )
    source = _suggester()
    with st.expander("Queue order" + (" and zero-shot settings" if "labels" in source else "")):
        names = ["uncertainty", *(["temperature"] if "labels" in source else [])]
        source |= spec_form_fields(review.QueueSpec, names, key_prefix="review.spec", columns=2)
    name = st.text_input("Queue name", value=f"{stem}-{time.strftime('%m%d-%H%M')}", key="review.name")
    if st.button("Create queue", type="primary", key="review.create"):
        ensure_model_libraries()
        with guard():
            summary = review.create_queue(
                name,
                frame,
                text_col=text_col,
                owner=session_id(),
                progress=progress_bar("Suggesting labels"),
                **source,
            )
        st.session_state["review.queue"] = summary.name
        flash(
            f"Queue {summary.name!r} created: {summary.total} texts, suggestions by {summary.suggested_by}."
        )
        st.rerun()


def pick_queue(review: Any) -> Any:
    queues = review.list_queues()
    names = [q.name for q in queues]
    current = st.session_state.get("review.queue")
    name = st.selectbox(
        "Queue", names, index=names.index(current) if current in names else len(names) - 1, key="review.pick"
    )
    st.session_state["review.queue"] = name
    return next(q for q in queues if q.name == name)


# Column widths in pixels: together 925 px, inside the main column of a 1280-px window (no scrolling).
EDITOR_WIDTHS = {
    "row": 45,
    "text": 260,
    "suggested_label": 110,
    "label": 120,
    "accept": 60,
    "suggested_score": 80,
    "rule_hits": 100,
    "no_suggestion": 150,
}


def no_suggestion_reason(item: pd.Series) -> str:
    """Why a row has no suggested label (empty when it has one)."""
    if item.get("suggested_label"):
        return ""
    if item.get("blocked"):
        reason = item.get("block_reason") or "a blocking rule fired"
        return f"blocked by the safety rules: {reason}"
    return "the suggester gave no label for this text"


def _editor_frame(items: pd.DataFrame) -> pd.DataFrame:
    """What the analyst sees and edits: the text, the suggestion (or why there is none), their label."""
    view = items.set_index("item_id")
    return pd.DataFrame(
        {
            "row": view["row"],
            "text": view["text"],
            "suggested_label": view["suggested_label"],
            "label": view["gold_label"],
            "accept": False,
            "suggested_score": view["suggested_score"],
            "rule_hits": view["rule_hits"],
            "no_suggestion": [no_suggestion_reason(item) for _, item in view.iterrows()],
        }
    )


def review_editor(review: Any, summary: Any, reviewer: str) -> None:
    """The queue in review order; picking a label (correct) or ticking accept saves at once."""
    status = st.segmented_control("Show", FILTERS, default="pending", key="review.filter") or "pending"
    items = review.get_queue_items(summary.name, status=None if status == "all" else status, limit=PAGE_SIZE)
    if items.empty:
        st.info(f"No {status} items in this queue.")
        return
    version = st.session_state.setdefault("review.version", 0)
    key = f"review.editor.{summary.name}.{status}.{version}"
    w = EDITOR_WIDTHS
    st.data_editor(
        _editor_frame(items),
        key=key,
        hide_index=True,
        placeholder="",  # an empty cell stays blank (not "None")
        disabled=["row", "text", "suggested_label", "suggested_score", "rule_hits", "no_suggestion"],
        column_config={
            "row": st.column_config.NumberColumn("row", width=w["row"]),
            "text": st.column_config.TextColumn("text", width=w["text"]),
            "suggested_label": st.column_config.TextColumn("suggested", width=w["suggested_label"]),
            "suggested_score": st.column_config.ProgressColumn(
                "confidence", min_value=0.0, max_value=1.0, width=w["suggested_score"]
            ),
            "rule_hits": st.column_config.TextColumn("safety hits", width=w["rule_hits"]),
            "no_suggestion": st.column_config.TextColumn(
                "why no suggestion",
                width=w["no_suggestion"],
                help="A blocked text gets no suggestion: pick a label yourself or skip it.",
            ),
            "label": st.column_config.SelectboxColumn(
                "your label", options=list(summary.labels), width=w["label"]
            ),
            "accept": st.column_config.CheckboxColumn(
                "accept", help="Keep the suggested label.", width=w["accept"]
            ),
        },
    )
    decisions = _decisions(items, st.session_state.get(key, {}).get("edited_rows", {}))
    suggested = items[~items["blocked"]]
    if st.button(
        f"Accept all {len(suggested)} shown suggestions",
        key="review.accept_all",
        disabled=status != "pending" or suggested.empty,
    ):
        decisions = list(
            zip(suggested["item_id"].tolist(), suggested["suggested_label"].tolist(), strict=True)
        )
    if decisions:
        with guard():
            changed = review.record_decisions(summary.name, decisions, reviewer=reviewer)
        st.session_state["review.version"] = version + 1
        flash(f"Saved {changed} decision(s) by {reviewer}.")
        st.rerun()


def _decisions(items: pd.DataFrame, edited: dict[Any, dict[str, Any]]) -> list[tuple[int, str]]:
    """Editor edits (keyed by row position) as ``(item_id, label)``: a chosen label wins over accept;
    a blocked text has no suggestion to accept, so only a chosen label counts for it."""
    out = []
    for position, change in edited.items():
        item = items.iloc[int(position)]
        if change.get("label"):
            out.append((int(item["item_id"]), change["label"]))
        elif change.get("accept") and not item["blocked"]:
            out.append((int(item["item_id"]), item["suggested_label"]))
    return out


def agreement_view(stats: dict[str, Any]) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Accepted", stats["accepted"])
    c2.metric("Corrected", stats["corrected"])
    c3.metric("Agreement", f"{stats['agreement']:.0%}" if stats["agreement"] is not None else "–")
    c4.metric(
        "Cohen's kappa", stats["kappa"] if stats["kappa"] is not None else "–", help=stats["kappa_note"]
    )
    if stats["reviewed"]:
        st.dataframe(pd.DataFrame(stats["per_label"]), hide_index=True)
    if stats["corrections"]:
        st.caption("Most common corrections")
        st.dataframe(pd.DataFrame(stats["corrections"]), hide_index=True)


def export_and_retrain(review: Any, summary: Any) -> None:
    """Download the reviewed labels (formula-safe CSV) and fine-tune again on them."""
    if not summary.reviewed:
        st.caption("Review some items to export them or fine-tune on them.")
        return
    left, right = st.columns(2)
    mask = left.checkbox(
        "Mask personal data in the export",
        value=True,
        key="review.export_mask",
        help="Replace e-mails, phone numbers, card numbers... in the texts by [EMAIL], [PHONE]...",
    )
    target = upload_dir() / f"{slugify(summary.name)}-corrections.csv"
    with guard():
        review.export_corrections(summary.name, target, mask_pii=mask)
    left.download_button(
        "Export corrected labels (CSV)",
        target.read_bytes(),
        file_name=target.name,
        mime="text/csv",
        key="review.export",
    )
    if right.button("Fine-tune again with corrections", key="review.retrain"):
        from workbench.training import runs

        with guard():
            preset = {k: v for k, v in st.session_state.get("train_preset", {}).items() if k != "name"}
            spec = review.training_spec(summary.name, **preset)
            run = runs.start_run(spec, owner=session_id())
        set_dataset(
            DatasetChoice(
                path=spec.train_data,
                name=f"reviewed labels of {summary.name}",
                columns=ColumnMap(text="text", label="label"),
            )
        )
        st.session_state["run_id"] = run.id
        st.switch_page("pages/train.py")
