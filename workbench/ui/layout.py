"""The frame around every page: the sidebar with the active model and dataset."""

from __future__ import annotations

import streamlit as st

from workbench.models.registry import Registry
from workbench.ui.session import active_model, base_model, dataset, init_session


def _model_line(model_id: str | None) -> str:
    if not model_id:
        return "none yet: fine-tune one on **Train** or pick one on **Models**"
    registry = Registry()
    if not registry.exists(model_id):
        return f"`{model_id}` (deleted)"
    record = registry.get(model_id)
    score = record.metrics.get("accuracy") or record.metrics.get("f1_micro") or record.metrics.get("r2")
    return f"`{record.id}` · {record.kind}" + (f" · {score:.1%}" if isinstance(score, float) else "")


def render_sidebar() -> None:
    """The active model, base model and dataset, shown on every page."""
    init_session()
    chosen = dataset()
    with st.sidebar:
        st.markdown("**Active model**  \n" + _model_line(active_model()))
        st.markdown(f"**Base model**  \n`{base_model()}`")
        if chosen is None:
            st.markdown("**Dataset**  \nnone yet: choose one on **Data**")
        else:
            st.markdown(f"**Dataset**  \n{chosen.name}  \n`{chosen.columns.text}` → `{chosen.columns.label}`")


def flash(message: str) -> None:
    """A success note shown once at the top of the next page run (survives ``st.rerun``)."""
    st.session_state["flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)
