"""The LLM Onboarding Workbench in a browser: ``streamlit run app.py``.

This file is the frame around every page (navigation and sidebar). Pages live in ``pages/`` and only
build specs and call services; nothing here imports a model library, so the first page appears fast.
"""

import streamlit as st

from workbench.ui.layout import render_sidebar

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/models.py", title="Models", icon=":material/deployed_code:"),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/explain.py", title="Explain", icon=":material/psychology:"),
    st.Page("pages/review.py", title="Review", icon=":material/fact_check:"),
    st.Page("pages/safety.py", title="Safety", icon=":material/shield:"),
]

st.set_page_config(page_title="LLM Onboarding Workbench", page_icon="🧭", layout="wide")
page = st.navigation(PAGES)
render_sidebar()
page.run()
