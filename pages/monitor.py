"""Monitoring: traffic, latency and errors of a deployment over time, drift against its validation
predictions, and alerts (the same report as `workbench monitor NAME`)."""

import streamlit as st

from workbench.ui.errors import guard
from workbench.ui.layout import page_frame, show_flash
from workbench.ui.monitor_views import (
    deployment_names,
    deployment_store,
    load_comparison,
    load_report,
    show_alerts,
    show_drift,
    show_rollout,
    show_traffic,
)

page_frame()
st.title("Monitoring")
show_flash()
names = deployment_names()
if not names:
    st.info("Nothing deployed yet: deploy a model on **Deploy**, serve it, and its traffic appears here.")
    st.stop()
name = st.selectbox("Deployment", names, key="monitor.name")
window = st.number_input("Drift window (latest predictions)", 30, 100_000, 500, step=50, key="monitor.window")
with guard():
    report = load_report(name, int(window))
show_alerts(report)
st.subheader("Traffic")
show_traffic(report)
st.subheader("Drift")
show_drift(report)

st.subheader("Canary and shadow")
with guard():
    comparison = load_comparison(name)
if comparison is None:
    st.caption(
        f"No version on trial. Start one with `workbench deploy {name} MODEL --canary 10` (answers 10% of "
        f"requests) or `workbench deploy {name} --shadow MODEL` (sees every request, never answers)."
    )
else:
    show_rollout(deployment_store(), name, comparison)
