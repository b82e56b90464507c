"""The frame around every page: navigation links, the active model and dataset in the sidebar.

Each page draws the frame itself (``page_frame()``) instead of relying on ``app.py``: Streamlit runs a
page file on its own when a fresh server gets a deep link (``/review``) because the folder is called
``pages/``, and ``AppTest`` reruns page files on their own too. ``app.py`` only routes (``st.navigation``
with the menu hidden) so the frame is never drawn twice.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from workbench.models.registry import Registry
from workbench.ui.session import active_model, base_model, dataset, init_session

APP_TITLE = "LLM Onboarding Workbench"
NAV = (
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/models.py", "Models", ":material/deployed_code:"),
    ("pages/data.py", "Data", ":material/table:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/explain.py", "Explain", ":material/psychology:"),
    ("pages/translate.py", "Translate", ":material/translate:"),
    ("pages/review.py", "Review", ":material/fact_check:"),
    ("pages/safety.py", "Safety", ":material/shield:"),
    ("pages/deploy.py", "Deploy", ":material/rocket_launch:"),
    ("pages/monitor.py", "Monitoring", ":material/monitoring:"),
)


def set_page_config() -> None:
    st.set_page_config(page_title=APP_TITLE, page_icon="🧭", layout="wide")


# Streamlit draws captions at 60 % opacity (#828180 on white, 3.9:1); WCAG AA asks 4.5:1 for normal
# text, so they are drawn opaque and darker (7:1). Checked by axe-core in the browser test.
ACCESSIBLE_CSS = (
    "<style>[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] * "
    "{color: #595959 !important; opacity: 1 !important}</style>"
)


def page_frame() -> None:
    """Start a page: session defaults, then the sidebar (navigation and what the session works on)."""
    set_page_config()
    st.html(ACCESSIBLE_CSS)
    init_session()
    render_sidebar()


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
    chosen = dataset()
    with st.sidebar:
        st.markdown(f"### :material/explore: {APP_TITLE}")
        for path, label, icon in NAV:
            st.page_link(path, label=label, icon=icon)
        st.divider()
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


def stop_with_hint(message: str, page: str | None = None, label: str | None = None) -> NoReturn:
    """End the page with what the person has to do first (and a link to where they do it)."""
    st.info(message)
    if page:
        st.page_link(page, label=label or "Go there →")
    st.stop()
    raise AssertionError("st.stop() returned")  # for type checkers; never reached
