"""Deploy: map names to model versions (recorded, switched atomically), roll back, see the API keys."""

import streamlit as st

from workbench.ui.layout import page_frame, show_flash
from workbench.ui.serve_views import (
    deploy_form,
    deployments_table,
    history_table,
    how_to_call,
    keys_table,
    rollback_buttons,
    serving_stores,
)

page_frame()
st.title("Deploy")
show_flash()
store, keys, model_ids = serving_stores()

deployed = deployments_table(store)
if deployed.empty:
    st.caption("Nothing deployed yet. A deployment is a stable name the API serves a model version under.")
else:
    st.dataframe(deployed, hide_index=True)
    rollback_buttons(store)
deploy_form(store, model_ids)

st.subheader("API keys")
listed = keys_table(keys)
if listed.empty:
    st.caption(
        "No API keys: `workbench serve` binds to localhost only. Add one with `workbench keys add NAME`."
    )
else:
    st.dataframe(listed, hide_index=True)
    st.caption(
        "Secrets are shown once, when a key is made (`workbench keys add`); only their hashes are kept."
    )

st.subheader("Call it")
how_to_call(deployed["name"].iloc[0] if not deployed.empty else "NAME")
with st.expander("History"):
    st.dataframe(history_table(store), hide_index=True)
