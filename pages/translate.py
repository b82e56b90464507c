"""Translate: pick a seq2seq model, type a text (or a batch, or upload a file), set beams and length,
and read the translation with the safety hits in both texts; the model's variants run on the same
input side by side with their time."""

import streamlit as st

from workbench.inference.translation import variants_of
from workbench.ui.errors import guard
from workbench.ui.layout import page_frame, stop_with_hint
from workbench.ui.translate_views import (
    RESULT_KEY,
    generation_settings,
    licence_notice,
    no_model_message,
    pick_model,
    pick_sources,
    result_view,
    translate,
    translation_models,
)

page_frame()
st.title("Translate")
records = translation_models()
if not records:
    stop_with_hint(no_model_message(), "pages/train.py", "Go to Train →")
record = pick_model(records)
licence_notice(record)
with guard():
    spec = generation_settings()
sources = pick_sources()
variants = variants_of(record.id)
with_variants = bool(variants) and st.checkbox(
    f"Also run its {len(variants)} variant(s) on the same input", value=True, key="translate.with_variants"
)
if st.button("Translate", type="primary", key="translate.run"):
    with guard():
        translate(record.id, sources, spec, variants if with_variants else [])
result = st.session_state.get(RESULT_KEY)
if result and result["model"] == record.id:
    result_view(result)
