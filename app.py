"""The LLM Onboarding Workbench in a browser: ``streamlit run app.py``.

This file only routes: every page in ``pages/`` draws its own frame (sidebar with navigation, the
active model and dataset) with ``workbench.ui.layout.page_frame``. Nothing here imports a model
library, so the first page appears fast.
"""

import streamlit as st

from workbench.ui.layout import NAV, set_page_config

set_page_config()
pages = [st.Page(path, title=title, icon=icon, default=i == 0) for i, (path, title, icon) in enumerate(NAV)]
st.navigation(pages, position="hidden").run()
