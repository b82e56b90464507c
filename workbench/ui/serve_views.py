"""Deploy page pieces: map names to model versions, roll back, see the history and the API keys.

Keys are listed by name, prefix, scopes and limit only: the secret exists once, in the terminal of the
person who ran ``workbench keys add``; the workspace keeps its hash.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from workbench.ui.errors import guard
from workbench.ui.layout import flash

DEPLOYED_BY = "streamlit"


def serving_stores() -> tuple:
    """The workspace's deployments, API keys and the ids of its models (newest first)."""
    from workbench.models.registry import Registry
    from workbench.serve.deployments import DeploymentStore
    from workbench.serve.keys import KeyStore

    return DeploymentStore(), KeyStore(), [r.id for r in Registry().list()]


def _when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at)) if at else ""


def deployments_table(store) -> pd.DataFrame:
    rows = [
        {"name": d.name, "version": d.version, "since": _when(d.updated), "by": d.by, "trial": _trial(d)}
        for d in store.list()
    ]
    return pd.DataFrame(rows, columns=["name", "version", "since", "by", "trial"])


def _trial(d) -> str:
    """The canary or shadow beside the version (compared and promoted on the Monitoring page)."""
    if not d.candidate:
        return ""
    return f"canary {d.candidate} ({d.share:g}%)" if d.rollout == "canary" else f"shadow {d.candidate}"


def history_table(store) -> pd.DataFrame:
    rows = [
        {"when": _when(c.at), "name": c.name, "from": c.from_version or "", "to": c.to_version or "",
         "action": c.action, "by": c.by}
        for c in reversed(store.history())
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["when", "name", "from", "to", "action", "by"])


def keys_table(keys) -> pd.DataFrame:
    rows = [
        {"name": k.name, "prefix": k.prefix + "…", "scopes": ", ".join(k.scopes), "rate": k.rate or "server default",
         "created": _when(k.created), "state": "revoked" if k.revoked else "active"}
        for k in keys.list()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["name", "prefix", "scopes", "rate", "created", "state"])


def deploy_form(store, model_ids: list[str]) -> None:
    """Point a name (new or existing) at a model; the change is recorded with who and when."""
    if not model_ids:
        st.info("No model in the workspace yet: train one on **Train**, then deploy it here.")
        return
    names = [d.name for d in store.list()]
    with st.form("deploy.form"):
        name = st.text_input(
            "Deployment name", value=names[0] if names else "support", key="deploy.name",
            help="Part of the URL: /v1/models/NAME/predict. Lower-case letters, digits, - and _.",
        )  # fmt: skip
        model = st.selectbox("Model version", model_ids, key="deploy.model")
        if st.form_submit_button("Deploy", type="primary"):
            with guard():
                change = store.deploy(name.strip(), model, by=DEPLOYED_BY)
                before = f"{change.from_version} → " if change.from_version else ""
                flash(f"{change.name}: {before}{change.to_version}. Running servers switch at once.")
                st.rerun()


def rollback_buttons(store) -> None:
    for deployment in store.list():
        if st.button(f"Roll back {deployment.name}", key=f"deploy.rollback.{deployment.name}"):
            with guard():
                change = store.rollback(deployment.name, by=DEPLOYED_BY)
                flash(f"{change.name}: {change.from_version} → {change.to_version} (rolled back).")
                st.rerun()


def how_to_call(name: str) -> None:
    st.code(
        "workbench serve --port 8000\n"
        'curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\\n'
        f'     -d \'{{"texts": ["my card was charged twice"]}}\' localhost:8000/v1/models/{name}/predict',
        language="text",  # plain: the highlighter's token colours fail WCAG AA contrast (axe)
    )
