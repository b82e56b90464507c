"""Compare: build compressed variants of a fine-tuned model, measure them side by side (accuracy,
size, latency, throughput), see the Pareto front, and pick the variant to deploy."""

import streamlit as st

from workbench.models.registry import Registry
from workbench.ui.compare_views import build_form, comparison_view, measure, pick_reference, saved_comparison
from workbench.ui.layout import page_frame, show_flash, stop_with_hint
from workbench.ui.resources import models, require_module
from workbench.ui.session import dataset

page_frame()
st.title("Compare")
show_flash()
variants = require_module(
    "workbench.variants", "build_variant", "compare_models", "plot_accuracy_vs_size", what="Variants"
)
records = models()
if not any(r.kind != "variant" for r in records):
    msg = "No fine-tuned model yet: train one first, then build smaller variants of it here."
    stop_with_hint(msg, "pages/train.py", "Go to Train →")

record = pick_reference(records)
children = variants.descendants(Registry(), record.id)
st.subheader("Build variants")
build_form(variants, record, dataset())
st.subheader("Comparison")
st.caption(f"Variants of `{record.id}`: {', '.join(f'`{c}`' for c in children) or 'none yet'}.")
measure(variants, record, dataset())
table = saved_comparison(record)
if table is not None:
    comparison_view(variants, table, record.extra.get("comparison"), record.task)
