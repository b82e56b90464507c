"""Explain: type a text or pick a row; see the label, probabilities, the SHAP heatmap and safety hits
in the same text; edit the text to see both change (what-if); global top tokens; drift vs a variant."""

import streamlit as st

from workbench.ui.errors import guard
from workbench.ui.explain_views import (
    drift_view,
    explain_module,
    explain_settings,
    global_view,
    missing_explain_notice,
    pick_model,
    pick_text,
    prediction_view,
    safety_view,
    shap_view,
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
    st.warning("Type a text to explain.")
    st.stop()
left, right = st.columns([2, 3])
with left, guard(stop=False):
    prediction_view(record.id, text)
with right:
    st.markdown("**Safety hits in the text**")
    safety_view(text)

st.subheader("Why this label (SHAP)")
explain = explain_module()
if explain is None:
    missing_explain_notice()
    st.stop()
with guard():
    spec = explain_settings(explain)
with guard(stop=False):
    shap_view(explain, record.id, text, spec)
st.subheader("Top words per class")
global_view(explain, record.id, spec)
st.subheader("Explanation drift between this model and a variant")
drift_view(explain, record, spec)
