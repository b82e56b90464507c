"""Explain page pieces: pick a model and a text, predict, show safety hits in the text, and (once the
``explain`` package is installed) the SHAP heatmap, global top tokens and explanation drift."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from workbench.models.registry import ModelRecord, Registry
from workbench.ui.charts import probability_chart
from workbench.ui.errors import guard
from workbench.ui.forms import spec_form_fields
from workbench.ui.highlight import highlight_hits
from workbench.ui.progress import progress_bar
from workbench.ui.resources import ensure_model_libraries, models, optional_module, read_table_cached
from workbench.ui.sample import SAMPLE_UNLABELLED
from workbench.ui.session import active_model, dataset

DEFAULT_TEXT = "My card was charged twice for the same order, I want my money back."
PROB_PREFIX = "prob_"
SPEC_FIELDS = ["mode", "scale", "max_classes"]


def pick_model() -> ModelRecord | None:
    records = [r for r in models() if r.task == "classification"]
    if not records:
        return None
    ids = [r.id for r in records]
    current = active_model()
    chosen = st.selectbox(
        "Model", ids, index=ids.index(current) if current in ids else 0, key="explain.model"
    )
    return next(r for r in records if r.id == chosen)


def pick_text() -> str:
    """Type a text, or start from a row of the session dataset and edit it (what-if)."""
    chosen = dataset()
    if chosen is not None:
        with guard(stop=False):
            rows = read_table_cached(chosen.path)[chosen.columns.text].astype(str).head(200).tolist()
            row = st.selectbox(
                "Start from a row of the dataset (optional)", ["(type your own)", *rows], key="explain.row"
            )
            if row != "(type your own)" and st.session_state.get("explain.row_used") != row:
                st.session_state["explain.text"] = row  # before the text area exists in this run
                st.session_state["explain.row_used"] = row
    st.session_state.setdefault("explain.text", DEFAULT_TEXT)
    return st.text_area("Text (edit it to see the prediction change)", key="explain.text", height=100)


def predict_one(model_id: str, text: str) -> dict[str, float]:
    """Label probabilities of one text, through the same prediction service as batch prediction."""
    from workbench.inference.service import predict_frame

    ensure_model_libraries()
    out = predict_frame(model_id, pd.DataFrame({"text": [text]}))
    return {
        c.removeprefix(PROB_PREFIX): float(out[c].iloc[0]) for c in out.columns if c.startswith(PROB_PREFIX)
    }


def prediction_view(model_id: str, text: str) -> dict[str, float]:
    """The label, its probability, the change since the last text (what-if) and every probability."""
    probabilities = predict_one(model_id, text)
    label = max(probabilities, key=probabilities.get)
    previous = st.session_state.get("explain.previous")
    delta = None
    if previous and previous["model"] == model_id and previous["text"] != text:
        delta = f"{probabilities[label] - previous['probabilities'].get(label, 0.0):+.1%} vs previous text"
    st.metric("Predicted label", label, delta=delta, delta_color="off")
    st.caption(f"probability {probabilities[label]:.1%}")
    st.altair_chart(probability_chart(probabilities), width="stretch")
    st.session_state["explain.previous"] = {"model": model_id, "text": text, "probabilities": probabilities}
    return probabilities


def safety_view(text: str) -> None:
    """The text with the active safety rules' hits highlighted (same rules as the Safety page)."""
    safety = optional_module("workbench.safety", "scan")
    if safety is None:
        st.caption("Safety rules are not available yet.")
        return
    from workbench.ui.safety_views import active_rules

    with guard(stop=False):
        result = safety.scan(text, rules=active_rules(safety))
        st.html(highlight_hits(text, result.hits))
        if result.hits:
            st.caption(
                "Safety hits: " + ", ".join(f"{h.rule} ({h.severity}, {h.action})" for h in result.hits)
            )
        else:
            st.caption("No safety rule fired on this text.")


def related_models(record: ModelRecord) -> list[str]:
    """Models in the same lineage as ``record`` (base fine-tune and its variants), for drift."""
    registry = Registry()
    root = registry.lineage(record.id)[0].id
    return [r.id for r in registry.list() if r.id != record.id and registry.lineage(r.id)[0].id == root]


def missing_explain_notice() -> None:
    st.info(
        "SHAP explanations are not available yet: the `explain` package is not installed. "
        "The prediction and safety hits above are real; the word-level heatmap appears once it lands."
    )


def explain_module() -> Any:
    return optional_module(
        "explain", "explain_texts", "render_html", "global_importance", "explanation_drift"
    )


def explain_settings(explain: Any) -> Any:
    """The ``ExplainSpec`` from its own field metadata (mode, scale, how many labels)."""
    with st.expander("Explanation settings"):
        values = spec_form_fields(explain.ExplainSpec, SPEC_FIELDS, key_prefix="explain.spec", columns=3)
    return explain.ExplainSpec(**values)


def shap_view(explain: Any, model_id: str, text: str, spec: Any) -> None:
    """The token heatmap (one view per explained label) and the plain-text summary of one text."""
    ensure_model_libraries("shap")
    with st.spinner("Explaining…"):
        result = explain.explain_texts(model_id, [text], spec=spec)[0]
    st.html(explain.render_html(result))
    with st.expander("In words"):
        st.text(explain.text_summary(result))


def texts_for_overview() -> tuple[list[str], str]:
    """Texts for the global view and drift: the session dataset, else the sample unlabelled messages."""
    chosen = dataset()
    if chosen is not None:
        return read_table_cached(chosen.path)[chosen.columns.text].astype(str).tolist(), chosen.name
    return read_table_cached(SAMPLE_UNLABELLED)["text"].astype(str).tolist(), "the sample unlabelled messages"


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
    texts, name = texts_for_overview()
    rows = st.slider(
        "Rows to explain", 10, min(300, max(10, len(texts))), min(40, len(texts)), key="explain.rows"
    )
    key = ("global", model_id, name, rows, repr(spec))
    if st.button(f"Explain {rows} rows of {name}", key="explain.global"):
        ensure_model_libraries("shap")
        with guard():
            st.session_state["explain.global_result"] = (
                key,
                explain.global_importance(
                    model_id, texts[:rows], spec=spec, progress=progress_bar("Explaining")
                ),
            )
    saved = st.session_state.get("explain.global_result")
    if saved and saved[0] == key:
        table = saved[1].table
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
