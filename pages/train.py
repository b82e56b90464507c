"""Train: settings from the TrainSpec, start / cancel / resume, live progress and curves (a worker
process trains; a fragment polls its run folder), then the final report."""

import streamlit as st

from workbench.training import runs
from workbench.ui.errors import guard
from workbench.ui.layout import page_frame, stop_with_hint
from workbench.ui.run_panel import show_run
from workbench.ui.session import dataset, session_id, watched_run
from workbench.ui.train_views import columns_line, completed_report, pick_run, searches_section, train_form

page_frame()
st.title("Train")
ds = dataset()
if ds is None:
    msg = "Choose a dataset first: upload a file on the Data page, or start with the sample data on Home."
    stop_with_hint(msg, "pages/data.py", "Go to Data →")

st.write(
    f"Fine-tune on **{ds.name}**: {columns_line(ds)}"
    + (", validated on the held-out file." if ds.eval_path else f", {ds.val_fraction:.0%} held out.")
)
with guard():
    spec = train_form(ds, st.session_state["train_preset"])
    if spec is not None:
        run = runs.start_run(spec, owner=session_id())
        st.session_state["run_id"] = run.id
        st.toast(f"Training run {run.id} started.")

run_id = watched_run()  # only this session's own run
if run_id:
    st.subheader("Progress")
    show_run(run_id, on_completed=completed_report)

st.subheader("Runs")
pick_run()

st.subheader("Hyper-parameter searches")
searches_section()
