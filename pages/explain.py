"""Explain: type a text or pick a row; see the label, probabilities, and the SHAP colours and safety
hits in the same text; edit the text to see both change (what-if); top words per class; drift
between a model and its variant. A text the safety rules block gets the reason and its hits only."""

import streamlit as st

from workbench.ui.entity_views import entities_view, entity_explanation_view, predicts_entities
from workbench.ui.errors import guard
from workbench.ui.explain_overview import drift_view, global_view
from workbench.ui.explain_views import (
    details_view,
    explain_module,
    explain_settings,
    explanation,
    missing_explain_notice,
    pick_model,
    pick_text,
    prediction_view,
    safety_hits,
    text_view,
)
from workbench.ui.layout import page_frame, stop_with_hint

page_frame()
st.title("Explain")
record = pick_model()
if record is None:
    msg = "No classification model yet: fine-tune one on the Train page (or try the sample data on Home)."
    stop_with_hint(msg, "pages/train.py", "Go to Train →")
text = pick_text()
if not text.strip():
    stop_with_hint("Type a text to explain.")

if predicts_entities(record):  # token classification: entities, then SHAP for one of them
    with guard():
        found = entities_view(record, text)
    explain = explain_module()
    if explain is None:
        missing_explain_notice()
        st.stop()
    if found:
        st.subheader("Why this entity (SHAP)")
        with guard():
            spec = explain_settings(explain)
        entity_explanation_view(explain, record, text, found, spec)
    st.stop()

left, right = st.columns([2, 3])
checked = None
with left, guard(stop=False):
    checked = prediction_view(record.id, text)
hits = checked.hits if checked is not None else None
notes = checked.notes if checked is not None else []
if hits is None:
    with guard(stop=False):
        hits = safety_hits(text)
if checked is not None and checked.blocked:
    with right:
        text_view(text, hits, notes=notes)
    st.stop()
explain = explain_module()
if explain is None:
    with right:
        text_view(text, hits, notes=notes)
    missing_explain_notice()
    st.stop()

st.subheader("Why this label (SHAP)")
with guard():
    spec = explain_settings(explain)
result = None
with guard(stop=False):
    result = explanation(explain, record.id, text, spec)
with right:
    text_view(text, hits, result, notes=notes)
if result is not None:
    details_view(explain, result)
st.subheader("Top words per class")
global_view(explain, record.id, spec)
st.subheader("Explanation drift between this model and a variant")
drift_view(explain, record, spec)
