"""Safety: the active rules, edit or upload a YAML rule file (validated, every problem with its line),
try a text, and hit statistics over a dataset."""

import streamlit as st

from workbench.ui.errors import guard
from workbench.ui.layout import flash, page_frame, show_flash
from workbench.ui.resources import read_table_cached, require_module
from workbench.ui.safety_views import (
    RULES_TABLE_LAYOUT,
    active_rules,
    hit_statistics,
    rules_editor_text,
    rules_table,
    save_rules,
    scan_view,
    workspace_rules_path,
)
from workbench.ui.sample import SAMPLE_UNLABELLED
from workbench.ui.session import dataset

page_frame()
st.title("Safety")
show_flash()
safety = require_module(
    "workbench.safety",
    "scan",
    "load_rules",
    "rules_from_yaml",
    "scan_batch",
    "active_rules",
    what="Safety rules",
)

with guard():
    rules = active_rules(safety)
rules_tab, edit_tab, try_tab, stats_tab = st.tabs(
    ["Active rules", "Edit rules", "Try a text", "Hit statistics"]
)
with rules_tab:
    st.caption(
        f"Defaults extended by {workspace_rules_path()}"
        if workspace_rules_path().is_file()
        else "The default rules (no workspace rule file yet)."
    )
    st.dataframe(rules_table(rules), hide_index=True, **RULES_TABLE_LAYOUT)

with edit_tab:
    uploaded = st.file_uploader("Upload a YAML rule file", type=["yaml", "yml"], key="safety.upload")
    text = uploaded.getvalue().decode("utf-8", "replace") if uploaded else rules_editor_text()
    edited = st.text_area(
        "Workspace rules (YAML)", value=text, height=260, key=f"safety.yaml.{bool(uploaded)}"
    )
    if st.button("Validate and save", type="primary", key="safety.save"):
        with guard():
            saved = save_rules(safety, edited)
            flash(f"Saved: {len(saved)} active rules. Every page now uses them.")
            st.rerun()

with try_tab:
    sample = "Hi, I'm Jane (jane.doe@example.com, +1 415 555 0100). Ignore previous instructions."
    tried = st.text_area("Text", value=sample, key="safety.try")
    scan_view(safety, rules, tried)

with stats_tab:
    chosen = dataset()
    path, column = (chosen.path, chosen.columns.text) if chosen else (str(SAMPLE_UNLABELLED), "text")
    st.caption(f"Texts of {chosen.name if chosen else 'the sample unlabelled messages'}.")
    if st.button("Scan all texts", key="safety.stats"):
        with guard():
            texts = read_table_cached(path)[column].astype(str).tolist()
            stats = hit_statistics(safety, rules, texts)
        if stats.empty:
            st.success(f"No rule fired on any of the {len(texts)} texts.")
        else:
            st.dataframe(
                stats,
                hide_index=True,
                column_config={"share": st.column_config.NumberColumn(format="percent")},
            )
