"""Compare page pieces: build variants of a model, the measured comparison, Pareto plots, deploy pick."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from workbench.models.registry import ModelRecord, Registry
from workbench.ui.errors import guard
from workbench.ui.forms import spec_form_fields
from workbench.ui.layout import flash
from workbench.ui.progress import progress_bar
from workbench.ui.resources import ensure_model_libraries
from workbench.ui.session import DatasetChoice, active_model, set_active_model

QUICK_RECIPES = ("int8", "fp16", "drop-layers:3", "prune:0.5", "distill:3+int8")
DISTILL_OPTIONS = ["epochs", "learning_rate", "batch_size", "max_minutes", "max_rows", "layer_choice"]
SHOWN_COLUMNS = [
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
    """Recipes from the registered variants; distillation trains on the session dataset."""
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
    if not st.button(f"Build {len(recipes)} variant(s)", disabled=not recipes, key="compare.build"):
        return
    ensure_model_libraries()
    built = []
    for recipe in recipes:
        with guard():
            spec = variants.parse_variant_spec(recipe, **options)
            data = {"data": ds.path, "columns": ds.columns} if ds else {}
            record_built = variants.build_variant(
                record.id, spec, progress=progress_bar(f"Building {recipe}"), **data
            )
            built.append(record_built.id)
    flash(f"Built {', '.join(built)}. Measure them below to compare.")
    st.rerun()


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


def comparison_view(variants: Any, table: pd.DataFrame) -> None:
    metric = str(table["metric"].iloc[0])
    number = st.column_config.NumberColumn
    st.dataframe(
        table[SHOWN_COLUMNS],
        hide_index=True,
        column_config={
            "model_id": "model",
            "size_mb": number("size (MB)", format="%.1f"),
            "latency_ms_p50": number("latency p50 (ms)", format="%.1f"),
            "throughput_rps": number("rows/s", format="%.1f"),
            "speedup": number("speed-up", format="%.2f×"),
            "metric_value": number(metric, format="%.4f"),
            "metric_delta": number(f"Δ {metric}", format="%+.4f"),
            "agreement": number("agrees with original", format="percent"),
        },
    )
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
