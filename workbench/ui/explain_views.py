"""Explain page pieces: pick a model and a text, predict, show safety hits in the text, and (once the
``explain`` package is installed) the SHAP heatmap, global top tokens and explanation drift."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from workbench.models.registry import ModelRecord
from workbench.ui.charts import probability_chart
from workbench.ui.errors import guard
from workbench.ui.forms import spec_form_fields
from workbench.ui.highlight import highlight_hits, shap_and_hits
from workbench.ui.resources import (
    ensure_model_libraries,
    loaded_model,
    models,
    optional_module,
    read_table_cached,
)
from workbench.ui.session import active_model, dataset

DEFAULT_TEXT = "My card was charged twice for the same order, I want my money back."
SPEC_FIELDS = ["mode", "scale", "max_classes"]


def explainable(record: ModelRecord) -> bool:
    """Whether the Explain page explains this model's predictions (its task names a target)."""
    from workbench.tasks import TASKS

    task = TASKS.get(record.task)
    return task is not None and task.explain_target is not None


def pick_model() -> ModelRecord | None:
    records = [r for r in models() if explainable(r)]
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


def predict_one(model_id: str, text: str) -> Any:
    """One text through the same prediction service as batch prediction, judged by the workspace
    rules: a ``CheckedPrediction`` (``prediction`` is None when the rules block the text)."""
    from workbench.inference.service import predict_texts

    loaded_model(model_id)  # loads once per model version, shared by sessions (spinner the first time)
    return predict_texts(model_id, [text])[0]


def prediction_view(model_id: str, text: str) -> Any:
    """The label, its probability, the change since the last text (what-if) and every probability;
    for a blocked text only the reason. Returns the checked prediction."""
    checked = predict_one(model_id, text)
    if checked.blocked:
        blocked_view(checked)
        return checked
    probabilities = {str(k): float(v) for k, v in checked.prediction.probabilities.items()}
    label = max(probabilities, key=probabilities.get)
    previous = st.session_state.get("explain.previous")
    delta = None
    if previous and previous["model"] == model_id and previous["text"] != text:
        delta = whatif_change(label, previous["probabilities"].get(label, 0.0), probabilities[label])
    st.metric("Predicted label", label, delta=delta, delta_color="off")
    st.caption(f"confidence {probabilities[label]:.1%}")
    if checked.needs_review:
        st.warning("The safety rules route this prediction to review by a person.")
    st.altair_chart(probability_chart(probabilities), width="stretch")
    st.session_state["explain.previous"] = {"model": model_id, "text": text, "probabilities": probabilities}
    return checked


def percent(value: float) -> str:
    return f"{round(value * 100)} %"


def whatif_change(label: str, before: float, now: float) -> str:
    """The what-if badge: the shown label's confidence before and after the edit, the change in
    percentage points (never mixed with percent): ``confidence in refund: 72 % → 41 % (−31 pp)``."""
    points = round(now * 100) - round(before * 100)
    sign = "−" if points < 0 else "+" if points > 0 else "±"
    return f"confidence in {label}: {percent(before)} → {percent(now)} ({sign}{abs(points)} pp)"


def blocked_view(checked: Any) -> None:
    """Why there is no prediction: the blocking rules and where they fired (no label, no explanation;
    the page shows every hit in the text beside it)."""
    st.error(f"No prediction: the safety rules block this text. {checked.block_reason}.")


def safety_hits(text: str) -> list[Any] | None:
    """Hits of the active safety rules (same rules as the Safety page); None while safety is missing."""
    safety = optional_module("workbench.safety", "scan", "active_rules")
    if safety is None:
        return None
    return list(safety.scan(text, rules=safety.active_rules()).hits)


def text_view(text: str, hits: list[Any] | None, result: Any = None, notes: Sequence[str] = ()) -> None:
    """The text once: SHAP colours for the predicted label and safety hits underlined, when both exist."""
    combined = shap_and_hits(text, result.tokens, result.values[:, 0], hits or []) if result else None
    if combined:
        st.markdown(
            f"**Why `{result.label}`**: words in red pushed the model toward `{result.label}`, words in"
            " blue pushed it away (the stronger the colour, the bigger the push); an underline marks a"
            " safety hit."
        )
        st.html(combined)
    else:
        st.markdown("**Safety hits in the text**")
        st.html(highlight_hits(text, hits or []))
    if hits is None:
        st.caption("Safety rules are not available yet.")
    elif hits:
        st.caption("Safety hits: " + ", ".join(f"{h.rule} ({h.severity}, {h.action})" for h in hits))
    else:
        st.caption("No safety rule fired on this text.")
    for note in notes:  # a model rule that could not read the text gave no verdict
        st.caption(f"Rule {note}.")


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


def explanation(explain: Any, model_id: str, text: str, spec: Any) -> Any:
    """SHAP values of one text with the cached model (explanations are cached in the workspace)."""
    ensure_model_libraries("shap")
    model = loaded_model(model_id)
    with st.spinner("Explaining…"):
        return explain.explain_texts(model, [text], spec=spec)[0]


def details_view(explain: Any, result: Any) -> None:
    """Every explained label as a heatmap (toggle), and the explanation in words."""
    st.html(explain.render_html(result))
    with st.expander("In words"):
        st.text(explain.text_summary(result))
