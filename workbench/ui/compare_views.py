"""Compare page pieces: build variants of a model, the measured comparison, Pareto plots, deploy pick."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from workbench.models.registry import ModelRecord, Registry
from workbench.ui.build_panel import JOB_KEY, show_build
from workbench.ui.errors import guard
from workbench.ui.forms import spec_form_fields
from workbench.ui.layout import flash
from workbench.ui.progress import progress_bar
from workbench.ui.resources import ensure_model_libraries
from workbench.ui.session import DatasetChoice, active_model, session_id, set_active_model

QUICK_RECIPES = ("int8", "fp16", "drop-layers:3", "prune:0.5", "distill:3+int8")
DISTILL_OPTIONS = ["epochs", "learning_rate", "batch_size", "max_minutes", "max_rows", "layer_choice"]
MAIN_COLUMNS = [  # the table everyone reads; every other measured column sits in "More measurements"
    "model_id",
    "variant",
    "size_mb",
    "latency_ms_p50",
    "throughput_rps",
    "speedup",
    "metric_value",
    "metric_delta",
    "agreement",
    "compute",
]


def pick_reference(records: list[ModelRecord]) -> ModelRecord:
    """The fine-tuned model whose variants are built and compared (the active one's root by default)."""
    tuned = [r for r in records if r.kind != "variant"]
    ids = [r.id for r in tuned]
    current = active_model()
    if current and current not in ids and Registry().exists(current):
        current = Registry().lineage(current)[0].id
    chosen = st.selectbox(
        "Model", ids, index=ids.index(current) if current in ids else 0, key="compare.model"
    )
    return next(r for r in tuned if r.id == chosen)


def build_form(variants: Any, record: ModelRecord, ds: DatasetChoice | None) -> None:
    """Recipes from the registered variants; the build is queued as a job (distillation trains on the
    session dataset) whose progress the panel below the button polls."""
    from workbench.variants import jobs

    catalogue = pd.DataFrame(variants.list_variants())[["usage", "description", "needs_data"]]
    with st.expander("Available variants"):
        st.dataframe(catalogue, hide_index=True)
    picked = st.pills("Quick picks", QUICK_RECIPES, selection_mode="multi", key="compare.quick") or []
    typed = st.text_input(
        "Or type recipes (comma-separated; `+` stacks steps)",
        key="compare.typed",
        placeholder="drop-layers:4+int8, prune:0.3",
    )
    recipes = list(dict.fromkeys([*picked, *[t.strip() for t in typed.split(",") if t.strip()]]))
    with st.expander("Distillation options"):
        options = spec_form_fields(variants.VariantSpec, DISTILL_OPTIONS, key_prefix="compare.opt", columns=3)
    running = jobs.active_build(record.id)
    # disabled while a build of this model is queued or running, so a second click cannot start another
    label = "Building…" if running else f"Build {len(recipes)} variant(s)"
    if st.button(label, disabled=running is not None or not recipes, key="compare.build"):
        with guard(stop=False):  # a bad recipe (or a build started meanwhile) is reported, nothing queued
            data = {"data": ds.path, "columns": ds.columns.to_dict()} if ds else {}
            spec = jobs.BuildJobSpec(record.id, tuple(recipes), options, **data)
            st.session_state[JOB_KEY] = jobs.start_build(spec, owner=session_id()).id
            st.rerun()
    show_build(record.id)


def saved_comparison(record: ModelRecord) -> pd.DataFrame | None:
    """The last comparison measured for this model (stored in its record), if any."""
    comparison = record.extra.get("comparison") or {}
    if comparison.get("reference") != record.id or not comparison.get("table"):
        return None
    return pd.DataFrame(comparison["table"])


def measure(variants: Any, record: ModelRecord, ds: DatasetChoice | None) -> None:
    if ds is None:
        st.info("Choose a labelled dataset on the Data page to measure accuracy on it.")
        return
    data = ds.eval_path or ds.path
    if not ds.eval_path:
        st.caption("No validation file: accuracy is measured on the training file (optimistic).")
    if st.button("Measure accuracy, size and speed", type="primary", key="compare.measure"):
        ensure_model_libraries()
        with guard():
            variants.compare_models(record.id, "all", data, ds.columns, progress=progress_bar("Measuring"))
        st.rerun()


METRIC_TITLES = {"chrf": "chrF", "bleu": "BLEU", "ter": "TER"}  # sacreBLEU's own spelling


def metric_title(metric: str) -> str:
    return METRIC_TITLES.get(metric, metric)


def column_config(metric: str, help_text: dict[str, str], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Readable headers and units for every comparison column, with what it measures as hover help;
    ``extra`` are the task's own metric columns (seq2seq: BLEU)."""
    number, text, h = st.column_config.NumberColumn, st.column_config.TextColumn, help_text.get
    metric = metric_title(metric)
    return {
        **{name: number(metric_title(name), format="%.2f", help=h(name)) for name in extra},
        "model_id": text("model", help=h("model_id")),
        "variant": text("variant", help=h("variant")),
        "parent": text("parent", help=h("parent")),
        "params": number("parameters", format="compact", help=h("params")),
        "size_mb": number("size (MB)", format="%.1f", help=h("size_mb")),
        "peak_mem_mb": number("peak memory (MB)", format="%.0f", help=h("peak_mem_mb")),
        "latency_ms_p50": number("latency p50 (ms)", format="%.1f", help=h("latency_ms_p50")),
        "latency_ms_p95": number("latency p95 (ms)", format="%.1f", help=h("latency_ms_p95")),
        "throughput_rps": number("rows/s", format="%.1f", help=h("throughput_rps")),
        "speedup": number("speed-up", format="%.2f×", help=h("speedup")),
        "metric": text("metric", help=h("metric")),
        "metric_value": number(metric, format="%.4f", help=h("metric_value")),
        "metric_delta": number(f"Δ {metric}", format="%+.4f", help=h("metric_delta")),
        "agreement": number("agrees with original", format="percent", help=h("agreement")),
        "mean_abs_dprob": number("mean |Δ probability|", format="%.4f", help=h("mean_abs_dprob")),
        "compute": text("compute", help=h("compute")),
        "notes": text("notes", help=h("notes"), width="large"),
    }


def measured_on(comparison: dict[str, Any] | None) -> str | None:
    """Where and when the numbers were measured (saved with the comparison), as one caption line."""
    if not comparison:
        return None
    machine = comparison.get("machine") or {}
    parts = [machine.get("cpu") or "an unknown CPU"]
    if machine.get("cores"):
        parts.append(f"{machine['cores']} cores")
    if machine.get("threads"):
        parts.append(f"{machine['threads']} threads")
    versions = ", ".join(f"{k} {machine[k]}" for k in ("torch", "onnxruntime", "python") if machine.get(k))
    when = comparison.get("measured_at")
    date = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when else "an unknown date"
    data = comparison.get("data") or {}
    rows = f" on {data['rows']} rows of {Path(str(data['source'])).name}" if data.get("source") else ""
    return f"Measured {date}{rows}, on {', '.join(parts)}" + (f" ({versions})." if versions else ".")


def main_columns(table: pd.DataFrame, extra: tuple[str, ...]) -> list[str]:
    """The columns everyone reads: the task's own metrics after the headline one, and none that is
    empty for every row (label agreement of models that generate text)."""
    names = [c for c in MAIN_COLUMNS if c in table.columns]
    at = names.index("metric_delta") + 1 if "metric_delta" in names else len(names)
    names[at:at] = [c for c in extra if c in table.columns]
    return [c for c in names if not table[c].isna().all()]


def comparison_view(
    variants: Any, table: pd.DataFrame, comparison: dict[str, Any] | None = None, task: str | None = None
) -> None:
    from workbench.tasks import TASKS

    metric = str(table["metric"].iloc[0])
    extra = TASKS[task].comparison_columns if task in TASKS else ()
    config = column_config(metric, dict(getattr(variants, "COLUMN_HELP", {})), extra)
    caption = measured_on(comparison)
    if caption:
        st.caption(caption)
    main = main_columns(table, extra)
    st.dataframe(table[main], hide_index=True, column_config=config)
    more = ["model_id", *(c for c in table.columns if c not in main)]
    with st.expander("More measurements: parameters, memory, p95 latency, |Δ probability|, notes"):
        st.dataframe(table[more], hide_index=True, column_config=config)
    left, right = st.columns(2)
    left.altair_chart(variants.plot_accuracy_vs_throughput(table))
    right.altair_chart(variants.plot_accuracy_vs_size(table))
    ids = table["model_id"].tolist()
    current = active_model()
    chosen = st.selectbox(
        "Variant to deploy", ids, index=ids.index(current) if current in ids else 0, key="compare.deploy_pick"
    )
    if current == chosen:
        st.caption(f"`{chosen}` is the active model: Explain, Review and serving use it.")
    elif st.button(f"Deploy `{chosen}` (make it the active model)", key="compare.deploy"):
        set_active_model(chosen)
        flash(f"`{chosen}` is now the active model.")
        st.rerun()
