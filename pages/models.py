"""Models: load a base model (hub id, folder, default), browse the workspace registry (lineage,
metrics, model card, delete) and compare fine-tuning runs side by side."""

import streamlit as st

from workbench.ui.layout import page_frame, show_flash
from workbench.ui.resources import models
from workbench.ui.session import active_model
from workbench.ui.views import base_model_loader, compare_models_view, model_details, models_table

page_frame()
st.title("Models")
show_flash()
# the user's own models first: that is what a returning user came for (st.tabs opens the first)
registry_tab, base_tab, compare_tab = st.tabs(["Workspace models", "Base model", "Compare runs"])

with base_tab:
    base_model_loader()

records = models()
with registry_tab:
    if not records:
        st.info("No models in the workspace yet. Fine-tune one on the Train page.")
    else:
        st.dataframe(models_table(records), hide_index=True)
        ids = [r.id for r in records]
        current = active_model()
        chosen = st.selectbox(
            "Model", ids, index=ids.index(current) if current in ids else 0, key="models.chosen"
        )
        model_details(next(r for r in records if r.id == chosen))

with compare_tab:
    tuned = [r for r in records if r.kind == "fine-tuned"]
    if len(tuned) < 2:
        st.info("Compare needs at least two fine-tuned models; train another with different settings.")
    else:
        picked = st.multiselect(
            "Fine-tuned models",
            [r.id for r in tuned],
            default=[r.id for r in tuned[:2]],
            key="models.compare",
        )
        if len(picked) < 2:
            st.warning("Pick at least two models to compare.")
        else:
            compare_models_view([r for r in tuned if r.id in picked])
