"""Train page pieces: the spec-driven training form and the list of runs."""

from __future__ import annotations

import os
import time
from typing import Any

import pandas as pd
import streamlit as st

from workbench.models.registry import Registry
from workbench.training import runs
from workbench.training.spec import TrainSpec
from workbench.ui.forms import field_widget, spec_field_types, spec_form_fields
from workbench.ui.session import (
    DatasetChoice,
    active_model,
    base_model,
    base_model_choices,
    session_id,
    set_active_model,
)
from workbench.ui.views import model_report

MAIN_FIELDS = ["epochs", "batch_size", "learning_rate", "name"]
METHOD_FIELDS = {  # settings shown only for the method that uses them
    "lora": ["lora_r", "lora_alpha", "lora_dropout", "merge_lora"],
    "adalora": ["adalora_init_r", "adalora_target_r", "lora_alpha", "lora_dropout", "merge_lora"],
    "ia3": ["merge_lora"],
}
METHOD_TITLES = {"lora": "LoRA", "adalora": "AdaLoRA", "ia3": "IA³"}
ADVANCED_FIELDS = [
    "pooling",
    "max_length",
    "warmup_ratio",
    "weight_decay",
    "evals_per_epoch",
    "early_stopping_patience",
    "keep",
    "label_smoothing",
    "calibrate",
    "freeze_embeddings",
    "layer_lr_decay",
    "max_minutes",
    "grad_accumulation",
    "report_to",
    "lowercase",
    "strip_html",
    "mask_pii",
]
UNSAFE_FIELDS = ["allow_pickle", "trust_remote_code"]
RUNS_TABLE_SECONDS = 3.0


def parallel_fields() -> list[str]:
    """Multi-process training is offered only where there is more than one core to run it on."""
    return ["processes"] if (os.cpu_count() or 1) > 1 else []


def dataset_task(ds: DatasetChoice) -> Any:
    """The task object of the dataset's task, or None while it is detected from the labels ('auto')."""
    from workbench.tasks import TASKS

    task = TASKS.get(ds.task)
    return task() if task is not None else None


def _method_choice(preset: dict[str, Any], task: Any = None) -> str:
    """The method, outside the form: choosing it re-draws the form with that method's settings.
    Methods the task cannot use are left out, each named with the reason (head-only for seq2seq)."""
    info = TrainSpec.field_info()["method"]
    kind, optional = spec_field_types(TrainSpec)["method"]
    refused = {m: task.method_problem(m) for m in info["choices"]} if task is not None else {}
    refused = {m: why for m, why in refused.items() if why}
    if refused:
        info = {**info, "choices": [m for m in info["choices"] if m not in refused]}
    value = preset.get("method", info["default"])
    method = field_widget("method", info, kind, optional, value, key="train.method")
    for name, why in refused.items():
        st.caption(f"Not offered for this task: `{name}`. {why}")
    return method


def pair_columns(ds: DatasetChoice) -> dict[str, str]:
    """Seq2seq: which column holds the sources and which the targets (the dataset's choice by default)."""
    from workbench.ui.resources import read_table_cached

    names = [str(c) for c in read_table_cached(ds.path).columns]
    source_default, target_default = ds.columns.text, ds.columns.label
    left, right = st.columns(2)
    source = left.selectbox(
        "Source column",
        names,
        index=names.index(source_default) if source_default in names else 0,
        key="train.source_col",
        help="The texts the model reads (e.g. English).",
    )
    target = right.selectbox(
        "Target column",
        names,
        index=names.index(target_default) if target_default in names else len(names) - 1,
        key="train.target_col",
        help="The texts it learns to write (e.g. German).",
    )
    return {"text_col": source, "label_col": target}


def generation_validation(preset: dict[str, Any]) -> dict[str, Any]:
    """Seq2seq: how often validation generates, and how long the texts may be; the sample is capped."""
    from workbench.tasks.seq2seq import VALIDATION_SAMPLE

    st.markdown("**Validation by generation**")
    st.caption(
        f"Each validation translates at most {VALIDATION_SAMPLE} validation pairs greedily and scores them "
        "with BLEU and chrF (the best checkpoint is the one with the highest chrF)."
    )
    return spec_form_fields(
        TrainSpec, ["evals_per_epoch", "max_length"], preset, key_prefix="train", columns=2
    )


def train_form(ds: DatasetChoice, preset: dict[str, Any]) -> TrainSpec | None:
    """The training form; returns the spec when submitted (``SpecError`` lists every bad setting)."""
    task = dataset_task(ds)
    generates = task is not None and task.generates_text
    method = _method_choice(preset, task)
    with st.form("train.form"):
        columns = pair_columns(ds) if generates else {}
        choices = list(dict.fromkeys([base_model(), *base_model_choices()]))
        chosen_base = st.selectbox(
            "Base model",
            choices,
            help=TrainSpec.field_info()["base_model"]["help"] + " Load others on the Models page.",
            key="train.base_model",
        )
        values = spec_form_fields(TrainSpec, MAIN_FIELDS, preset, key_prefix="train", columns=3)
        if METHOD_FIELDS.get(method):
            st.markdown(f"**{METHOD_TITLES.get(method, method)} settings**")
            values |= spec_form_fields(
                TrainSpec, METHOD_FIELDS[method], preset, key_prefix="train", columns=3
            )
        values |= spec_form_fields(TrainSpec, parallel_fields(), preset, key_prefix="train", columns=3)
        if generates:
            values |= generation_validation(preset)
        advanced = [f for f in ADVANCED_FIELDS if f not in values]
        with st.expander("Advanced settings"):
            values |= spec_form_fields(TrainSpec, advanced, preset, key_prefix="train", columns=3)
            st.caption("Unsafe options: only for models from a source you trust.")
            values |= spec_form_fields(TrainSpec, UNSAFE_FIELDS, preset, key_prefix="train", columns=2)
        submitted = st.form_submit_button("Start training", type="primary")
    if not submitted:
        return None
    return TrainSpec(**(ds.train_fields() | columns), base_model=chosen_base, method=method, **values)


def runs_table(owner: str, limit: int = 10) -> pd.DataFrame:
    """The recent runs of ``owner`` (a browser session): nobody else's runs are named here."""
    rows = []
    for run in runs.list_runs(owner=owner, kind="train")[:limit]:
        status = run.status()
        created = status.get("created")
        rows.append(
            {
                "run": run.id,
                "state": status.get("state"),
                "progress": float(status.get("fraction") or 0.0),
                "model": status.get("model_id") or "",
                "started": time.strftime("%H:%M:%S", time.localtime(created)) if created else "",
            }
        )
    return pd.DataFrame(rows)


def others_summary(owner: str) -> str:
    """Other sessions' live jobs as anonymous counts ("1 training, 2 queued"), or "" when none."""
    states = [r.status().get("state") for r in runs.list_runs() if r.owner != owner]
    training, queued = states.count("running"), states.count("queued")
    parts = []
    if training:
        parts.append(f"{training} training")
    if queued:
        parts.append(f"{queued} queued")
    return ", ".join(parts)


def _show_runs_table(owner: str) -> None:
    table = runs_table(owner)
    if not table.empty:
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                "progress": st.column_config.ProgressColumn("progress", min_value=0.0, max_value=1.0)
            },
        )
    others = others_summary(owner)
    if others:
        st.caption(f"Other sessions' jobs on this CPU: {others}. Their runs are private to them.")


def pick_run() -> None:
    """This session's recent runs (others' only as counts: the CPU is shared, the runs are not),
    refreshed while any job is active, and a choice of which own run to watch."""
    owner = session_id()
    table = runs_table(owner)
    own_active = not table.empty and table["state"].isin(runs.ACTIVE_STATES).any()
    active = bool(own_active or others_summary(owner))
    if table.empty and not active:
        st.caption("No training runs in this session yet.")
        return
    st.fragment(run_every=RUNS_TABLE_SECONDS if active else None)(_show_runs_table)(owner)
    if table.empty:
        return
    ids = table["run"].tolist()
    current = st.session_state.get("run_id")
    if current in ids:
        st.session_state["train.watch"] = current
    st.selectbox("Watch run", ids, key="train.watch", on_change=_watch_selected_run)


def _watch_selected_run() -> None:
    st.session_state["run_id"] = st.session_state["train.watch"]


def completed_report(status: dict[str, Any]) -> None:
    """What a finished run produced: its model's metrics, per-class table and confusion matrix."""
    model_id = status.get("model_id")
    registry = Registry()
    if not model_id or not registry.exists(model_id):
        st.warning("The run finished but its model is no longer in the workspace.")
        return
    if active_model() == model_id:
        st.success(f"Model `{model_id}` is ready and is now the active model.")
    elif st.button(f"Make `{model_id}` the active model", key=f"train.activate.{model_id}"):
        set_active_model(model_id)
        st.rerun()
    model_report(registry.get(model_id))
    c1, c2, c3 = st.columns(3)
    c1.page_link("pages/explain.py", label="Explain its predictions →")
    c2.page_link("pages/compare.py", label="Build smaller variants →")
    c3.page_link("pages/review.py", label="Review labels with it →")


def searches_section() -> None:
    """Hyper-parameter searches (``workbench tune``): each search's trials as a table and the metric
    against the learning rate, the best trial marked."""
    import altair as alt

    from workbench.training.tune import list_searches

    searches = list_searches()
    if not searches:
        st.caption("No searches yet: `workbench tune DATA --trials N --max-minutes M` runs one.")
        return
    chosen = st.selectbox("Search", [s["name"] for s in searches], key="train.search")
    search = next(s for s in searches if s["name"] == chosen)
    table = pd.DataFrame(search["trials"])
    metric = search["metric"]
    st.write(f"Best model: `{search['best_model_id']}` ({metric})")
    st.dataframe(table, hide_index=True)
    done = table.dropna(subset=[metric]) if metric in table else table.iloc[0:0]
    if not done.empty:
        done = done.assign(best=[f"{chosen}-trial{t}" == search["best_model_id"] for t in done["trial"]])
        chart = (
            alt.Chart(done)
            .mark_circle(size=90)
            .encode(
                x=alt.X("learning_rate:Q", scale=alt.Scale(type="log"), title="learning rate"),
                y=alt.Y(f"{metric}:Q", scale=alt.Scale(zero=False)),
                color=alt.Color("best:N"),
                tooltip=list(done.columns),
            )
        )
        st.altair_chart(chart)


def columns_line(ds: DatasetChoice) -> str:
    """What the model learns from, in the task's words (source → target for text generation)."""
    task = dataset_task(ds)
    if task is not None and task.generates_text:
        return f"source `{ds.columns.text}` → target `{ds.columns.label}` ({task.name})"
    return f"text `{ds.columns.text}`, label `{ds.columns.label}`"
