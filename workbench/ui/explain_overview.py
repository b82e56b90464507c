"""Explain page, many texts at once: top words per class over a dataset, and explanation drift
between a model and its variants (how much the reasons change when the model is compressed)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from workbench.models.registry import ModelRecord, Registry
from workbench.tasks import get_task
from workbench.ui.errors import guard
from workbench.ui.progress import progress_bar
from workbench.ui.resources import ensure_model_libraries, read_table_cached
from workbench.ui.sample import SAMPLE_UNLABELLED
from workbench.ui.session import dataset


def related_models(record: ModelRecord) -> list[str]:
    """Models in the same lineage as ``record`` (base fine-tune and its variants), for drift."""
    registry = Registry()
    root = registry.lineage(record.id)[0].id
    return [r.id for r in registry.list() if r.id != record.id and registry.lineage(r.id)[0].id == root]


def texts_for_overview() -> tuple[list[str], str]:
    """Texts for the global view and drift: the session dataset, else the sample unlabelled messages."""
    texts, _, name = rows_for_overview()
    return texts, name


def rows_for_overview() -> tuple[list[str], list[str] | None, str]:
    """Texts, their gold labels (None when the data has no label column) and the data's name."""
    chosen = dataset()
    if chosen is None:
        frame = read_table_cached(SAMPLE_UNLABELLED)
        return frame["text"].astype(str).tolist(), None, "the sample unlabelled messages"
    frame = read_table_cached(chosen.path)
    label = chosen.columns.label
    gold = frame[label].fillna("").astype(str).tolist() if label and label in frame.columns else None
    return frame[chosen.columns.text].astype(str).tolist(), gold, chosen.name


def pick_cohort(explain: Any, model_id: str, has_gold: bool) -> str:
    """Which examples the global view aggregates: all, errors, correct, one gold or predicted label."""
    record = Registry().get(model_id)
    choices = explain.cohort_choices(record.labels, record.task, has_gold)
    cohort = st.selectbox(
        "Examples", choices, key="explain.cohort", help="errors/correct and label:X use the dataset's labels."
    )
    predicts_value = get_task(record.task).predicts_value
    if not has_gold and not predicts_value:
        st.caption(
            "No gold labels in this data: choose a labelled dataset on the Data page for errors/correct."
        )
    elif predicts_value:
        st.caption(
            "A regression prediction is a number, never exactly right or wrong: all examples are used."
        )
    return cohort


def top_words_chart(table: pd.DataFrame, label: str, k: int = 12) -> alt.Chart:
    rows = table[table["label"] == label].head(k)
    return (
        alt.Chart(rows, title=f"Top words for {label}")
        .mark_bar()
        .encode(
            x=alt.X("mean_abs:Q", title="mean |SHAP|"),
            y=alt.Y("word:N", sort="-x", title=None),
            color=alt.condition(alt.datum.mean >= 0, alt.value("#ff0051"), alt.value("#008bfb")),
            tooltip=[
                "word",
                alt.Tooltip("mean_abs:Q", format=".3f"),
                alt.Tooltip("mean:Q", format=".3f"),
                "count",
            ],
        )
        .properties(height=alt.Step(18))
    )


def global_view(explain: Any, model_id: str, spec: Any) -> None:
    """Top words per class over many rows (explanations are cached, so a rerun is instant)."""
    texts, gold, name = rows_for_overview()
    rows = st.slider(
        "Rows to explain", 10, min(300, max(10, len(texts))), min(40, len(texts)), key="explain.rows"
    )
    cohort = pick_cohort(explain, model_id, gold is not None)
    key = ("global", model_id, name, rows, cohort, repr(spec))
    if st.button(f"Explain {rows} rows of {name}", key="explain.global"):
        ensure_model_libraries("shap")
        with guard():
            view = explain.global_importance(
                model_id,
                texts[:rows],
                gold=gold[:rows] if gold is not None else None,
                cohort=cohort,
                spec=spec,
                progress=progress_bar("Explaining"),
            )
            st.session_state["explain.global_result"] = (key, view)
    saved = st.session_state.get("explain.global_result")
    if saved and saved[0] == key:
        view = saved[1]
        st.caption(f"{view.examples} of {rows} rows in the cohort {view.cohort!r}.")
        table = view.table
        if table.empty:
            st.info(f"No row of the first {rows} is in the cohort {cohort!r}: nothing to aggregate.")
            return
        labels = list(dict.fromkeys(table["label"]))
        for column, label in zip(st.columns(min(3, len(labels)) or 1), labels[:3], strict=False):
            column.altair_chart(top_words_chart(table, label), width="stretch")
        if len(labels) > 3:
            shown = st.selectbox("More labels", labels[3:], key="explain.more_label")
            st.altair_chart(top_words_chart(table, shown), width="stretch")


def drift_view(explain: Any, record: ModelRecord, spec: Any) -> None:
    """How much a variant's reasons differ from its model's, on the same texts."""
    others = related_models(record)
    if not others:
        st.caption("No variant of this model yet: build one on the Compare page to see explanation drift.")
        return
    other = st.selectbox("Compare explanations with", others, key="explain.drift_model")
    texts, name = texts_for_overview()
    rows = min(20, len(texts))
    if st.button(f"Compare on {rows} rows of {name}", key="explain.drift"):
        ensure_model_libraries("shap")
        with guard():
            report = explain.explanation_drift(
                record.id, other, texts[:rows], spec=spec, progress=progress_bar("Explaining both models")
            )
            c1, c2 = st.columns(2)
            c1.metric("Mean rank correlation of reasons", f"{report.mean_rank_correlation:.2f}")
            c2.metric("Same label", f"{report.label_agreement:.0%}")
            st.dataframe(report.table().sort_values("rank_correlation"), hide_index=True)
