"""Shared renderings of models and their results (registry table, final report, run comparison)."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from workbench.models.registry import ModelRecord, Registry
from workbench.training import runs
from workbench.ui.calibration_views import calibration_view
from workbench.ui.charts import confusion_chart, curve_frame, loss_chart, metric_chart, per_class_frame
from workbench.ui.errors import guard

HEADLINE_METRICS = ("accuracy", "f1_macro", "f1_micro", "subset_accuracy", "r2", "mae", "ece")
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "f1_macro": "Macro F1",
    "f1_micro": "Micro F1",
    "subset_accuracy": "Subset accuracy",
    "r2": "R²",
    "mae": "MAE",
    "ece": "Calibration error",
}


def _when(created: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(created))


def models_table(records: list[ModelRecord]) -> pd.DataFrame:
    """One row per model: what a person scans to find one."""
    rows = []
    for r in records:
        row = {
            "model": r.id,
            "kind": r.kind,
            "task": r.task,
            "method": r.method,
            "parent": r.parent or "",
            "created": _when(r.created),
        }
        row.update({METRIC_LABELS[m]: r.metrics[m] for m in HEADLINE_METRICS if m in r.metrics})
        rows.append(row)
    return pd.DataFrame(rows)


def metric_row(metrics: dict[str, Any]) -> None:
    """Headline metrics as big numbers."""
    shown = [m for m in HEADLINE_METRICS if isinstance(metrics.get(m), int | float)]
    if not shown:
        return
    for column, name in zip(st.columns(len(shown)), shown, strict=True):
        value = metrics[name]
        column.metric(
            METRIC_LABELS[name], f"{value:.1%}" if name not in ("r2", "mae", "ece") else f"{value:.3f}"
        )


def model_report(record: ModelRecord) -> None:
    """The final report of a model: metrics, per-class table and confusion matrix (validation)."""
    metric_row(record.metrics)
    validation = (record.details or {}).get("validation") or {}
    per_class = validation.get("per_class")
    matrix, labels = validation.get("confusion_matrix"), validation.get("labels")
    left, right = st.columns(2)
    if per_class:
        left.markdown("**Per class (validation)**")
        left.dataframe(per_class_frame(per_class).style.format(precision=3))
    if matrix and labels:
        right.altair_chart(confusion_chart(matrix, labels))
    calibration_view(record)
    train = record.extra.get("train") or {}
    if train:
        st.caption(
            f"Trained {train.get('train_rows', '?')} rows for {train.get('steps', '?')} steps in "
            f"{train.get('seconds', '?')} s ({train.get('stop_reason', 'completed')}); "
            f"{train.get('trainable_parameters', 0):,} of {train.get('total_parameters', 0):,} "
            "parameters trained; validation on "
            f"{train.get('validation_rows', '?')} rows."
        )


def lineage_line(record: ModelRecord) -> str:
    """``base → fine-tuned → variant`` for one model."""
    chain = Registry().lineage(record.id)
    base = chain[0].base_model
    return " → ".join([f"`{base}` (base)", *[f"`{r.id}` ({r.kind})" for r in chain]])


def run_for_model(model_id: str) -> runs.RunDir | None:
    """The training run that produced ``model_id`` (None for models trained outside the UI/CLI runs)."""
    for run in runs.list_runs():
        if run.status().get("model_id") == model_id:
            return run
    return None


def settings_that_differ(records: list[ModelRecord]) -> pd.DataFrame:
    """Training settings that are not the same for every model (rows = setting, columns = model)."""
    specs = {r.id: r.spec or {} for r in records}
    keys = sorted({k for spec in specs.values() for k in spec})
    differ = [k for k in keys if len({repr(spec.get(k)) for spec in specs.values()}) > 1]
    return pd.DataFrame(
        {mid: [str(spec.get(k)) for k in differ] for mid, spec in specs.items()}, index=differ
    )


def compare_models_view(records: list[ModelRecord]) -> None:
    """Two or more fine-tuning runs side by side: metrics, differing settings, curves overlaid."""
    metrics = pd.DataFrame(
        {r.id: {k: v for k, v in r.metrics.items() if isinstance(v, int | float)} for r in records}
    )
    st.markdown("**Metrics**")
    st.dataframe(metrics.style.format(precision=4).highlight_max(axis=1, color="#dbeafe"))
    differ = settings_that_differ(records)
    st.markdown("**Settings that differ**")
    if differ.empty:
        st.caption("All training settings are the same.")
    else:
        st.dataframe(differ)
    frames = [curve_frame(run.events(), r.id) for r in records if (run := run_for_model(r.id))]
    frames = [f for f in frames if not f.empty]
    if not frames:
        st.caption("No training curves: these models were not trained through workbench runs.")
        return
    curves = pd.concat(frames, ignore_index=True)
    left, right = st.columns(2)
    left.altair_chart(loss_chart(curves, color="run"), width="stretch")
    right.altair_chart(metric_chart(curves, color="run"), width="stretch")


BASE_SOURCES = {
    "Offline default (all-MiniLM-L6-v2)": "default",
    "Hugging Face id": "",
    "Local folder": "",
}


def base_model_loader() -> None:
    """Choose and validate a base model (loadable offline = config and tokenizer load)."""
    from workbench.ui.resources import check_base_model
    from workbench.ui.session import base_model, base_model_choices

    st.write(f"Fine-tuning starts from **`{base_model()}`**.")
    offered = [c for c in base_model_choices() if c != "default"]
    sources = [*BASE_SOURCES, *[f"Preset: {c}" for c in offered]]
    source = st.radio("Load from", sources, horizontal=True, key="models.base_source")
    if source.startswith("Preset: "):
        name = source.removeprefix("Preset: ")
    elif BASE_SOURCES.get(source):
        name = BASE_SOURCES[source]
    else:
        hint = "e.g. distilbert-base-uncased" if source == "Hugging Face id" else "e.g. /models/my-bert"
        name = st.text_input(source, placeholder=hint, key="models.base_name").strip()
    if st.button("Load base model", key="models.load_base", disabled=not name):
        from workbench.ui.errors import guard

        with guard(stop=False):
            info = check_base_model(name)
            st.session_state["base_model"] = name
            st.success(f"`{name}` loads: the Train page fine-tunes it now.")
            st.json(info, expanded=False)


def model_card_text(record: ModelRecord) -> str:
    """The model card (README.md) without its YAML front matter."""
    card = Registry().path(record.id) / "README.md"
    if not card.is_file():
        return "_No model card._"
    text = card.read_text(encoding="utf-8")
    if text.startswith("---"):
        parts = text.split("---", 2)
        text = parts[2] if len(parts) == 3 else text
    return text.strip()


def licence_view(record: ModelRecord) -> None:
    """The model's licence (its base model's, or its parent's for a variant); non-commercial ones warned."""
    from workbench.models.licence import licence_line, licence_warning, model_licence

    licence = model_licence(record)
    st.caption(licence_line(licence))
    warning = licence_warning(licence)
    if warning:
        st.warning(warning, icon=":material/gavel:")


def model_details(record: ModelRecord) -> None:
    """Lineage, metrics report, model card, and the actions on one registry model."""
    from workbench.ui.layout import flash
    from workbench.ui.session import active_model, set_active_model

    st.markdown("**Lineage:** " + lineage_line(record))
    licence_view(record)
    model_report(record)
    with st.expander("Model card"):
        st.markdown(model_card_text(record))
    left, right = st.columns(2)
    if active_model() == record.id:
        left.caption("This is the active model.")
    elif left.button("Make active", key=f"models.activate.{record.id}", type="primary"):
        set_active_model(record.id)
        st.rerun()
    confirm = right.checkbox(f"Yes, delete {record.id}", key=f"models.confirm.{record.id}")
    if right.button("Delete model", key=f"models.delete.{record.id}", disabled=not confirm):
        with guard():  # e.g. another session deleted it a moment ago
            removed = Registry().remove(record.id)
        if active_model() == record.id:
            set_active_model(None)
        orphans = removed.extra.get("orphaned_children")
        flash(f"Deleted {record.id}." + (f" Its variants {', '.join(orphans)} remain." if orphans else ""))
        st.rerun()
