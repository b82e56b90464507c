"""``compare_models``: one table that says what each variant gains (speed, size, memory) and loses
(metric, agreement with the parent), measured on the user's data in one process, interleaved.

Protocol: threads pinned for the whole run; every model loaded first; peak memory in a child process
per model; one full pass per model for the metric (it doubles as warm-up); then throughput rounds
(batch 32, length-sorted, dynamic padding, as ``run_batches`` predicts) and batch-1 latency over the
same sampled rows, models interleaved; medians (and p95 for latency) reported. Results are saved with
each model (``extra["comparison"]``) with the machine they were measured on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import IncompatibleError, RegistryError
from workbench.models.registry import ModelRecord, Registry
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.variants.measure import (
    count_parameters,
    latency_ms,
    machine_info,
    peak_memory_mb,
    throughput_rps,
    weights_size_bytes,
)

COMPARISON_COLUMNS = (
    "model_id",
    "variant",
    "parent",
    "params",
    "size_mb",
    "peak_mem_mb",
    "latency_ms_p50",
    "latency_ms_p95",
    "throughput_rps",
    "speedup",
    "metric",
    "metric_value",
    "metric_delta",
    "agreement",
    "mean_abs_dprob",
    "compute",
    "notes",
)
COLUMN_HELP = {
    "model_id": "Workspace id of the model.",
    "variant": "Recipe applied to the reference ('original' for the reference itself).",
    "parent": "The model this variant was built from.",
    "params": "Number of parameters (int8-packed weights included).",
    "size_mb": "Size of the weight files on disk (safetensors / ONNX), MB.",
    "peak_mem_mb": "Peak resident memory added by loading the model and predicting one batch of the 32 "
    "longest texts, measured in a fresh child process (libraries excluded), MB.",
    "latency_ms_p50": "Median time to predict one text (batch 1), ms.",
    "latency_ms_p95": "95th percentile of the one-text time, ms.",
    "throughput_rps": "Rows per second at batch 32 over the data's real lengths (length-sorted batches, "
    "dynamic padding), median of interleaved rounds; seq2seq: sentences generated (greedy) per second.",
    "speedup": "Throughput relative to the reference.",
    "metric": "The task's headline metric.",
    "metric_value": "That metric on every row of the data.",
    "metric_delta": "Metric minus the reference's (same units; x100 for points, except sacreBLEU "
    "scores, which are points already).",
    "agreement": "Share of rows where the predicted label equals the reference's (seq2seq: where the "
    "generated text is identical).",
    "mean_abs_dprob": "Mean absolute difference of the predicted probabilities (values for regression; "
    "seq2seq: the generated text's mean token probability).",
    "compute": "Precision the arithmetic runs in once loaded.",
    "notes": "What to know about this variant (e.g. pruning that is not faster).",
}


def descendants(registry: Registry, model_id: str) -> list[str]:
    """Every variant built from ``model_id``, directly or stacked, oldest first."""
    children: dict[str, list[ModelRecord]] = {}
    for record in registry.list():
        if record.parent:
            children.setdefault(record.parent, []).append(record)
    found, queue = [], [model_id]
    while queue:
        for child in sorted(children.get(queue.pop(0), []), key=lambda r: r.created):
            found.append(child.id)
            queue.append(child.id)
    return found


def _resolve(registry: Registry, reference: ModelRecord, variant_ids: Sequence[str] | str) -> list[str]:
    if variant_ids == "all":
        ids = descendants(registry, reference.id)
        if not ids:
            raise RegistryError(
                f"{reference.id!r} has no variants yet; build one first, e.g. "
                f"`workbench compress {reference.id} --variant int8`."
            )
        return ids
    wanted = [v.strip() for v in (variant_ids.split(",") if isinstance(variant_ids, str) else variant_ids)]
    unknown = [v for v in wanted if v and not registry.exists(v)]
    if unknown:
        raise RegistryError(
            f"Unknown model(s) {', '.join(map(repr, unknown))}; list them with `workbench models`.",
            [f"No model {v!r} in the workspace; list them with `workbench models`." for v in unknown],
        )
    ids = [registry.get(v).id for v in wanted if v]
    return [i for i in dict.fromkeys(ids) if i != reference.id]


@contextmanager
def pinned_threads(threads: int | None) -> Iterator[int]:
    """Same thread count for every model (ONNX sessions read it when loaded), restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def _load_all(registry: Registry, ids: list[str], progress: ProgressCallback) -> dict[str, Any]:
    from workbench.inference.predict import load_model

    models = {}
    for i, model_id in enumerate(ids, start=1):
        progress(ProgressEvent(kind="log", message=f"loading {model_id} ({i}/{len(ids)})"))
        models[model_id] = load_model(model_id, registry)
    reference = models[ids[0]]
    mismatched = [
        m
        for m in ids[1:]
        if models[m].labels != reference.labels or models[m].task.name != reference.task.name
    ]
    if mismatched:
        raise IncompatibleError(
            f"{', '.join(mismatched)} predict different labels or task than {ids[0]!r}; "
            "only variants of the same model can be compared."
        )
    return models


def _sample_rows(n: int, size: int, seed: int) -> list[int]:
    if n <= size:
        return list(range(n))
    return sorted(np.random.default_rng(seed).choice(n, size, replace=False).tolist())


def compare_models(
    model_id: str,
    variant_ids: Sequence[str] | str,
    data_path: Any,
    columns: Any,
    *,
    progress: ProgressCallback | None = None,
    registry: Registry | None = None,
    rounds: int = 5,
    latency_rows: int = 100,
    max_timing_rows: int = 2048,
    threads: int | None = None,
    memory: bool = True,
    save: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """Measure ``model_id`` and its variants (ids, or ``"all"`` descendants) on a labelled file.

    Metric and agreement use every row; throughput uses at most ``max_timing_rows`` sampled rows per
    round (``rounds`` rounds), latency ``latency_rows`` single-text calls per model. Returns one row
    per model (``COMPARISON_COLUMNS``), the reference first.
    """
    from workbench.evaluation.evaluate import load_eval_data

    registry, progress = registry or Registry(), progress or no_progress
    reference = registry.get(model_id)
    ids = [reference.id, *_resolve(registry, reference, variant_ids)]
    with pinned_threads(threads) as n_threads:
        models = _load_all(registry, ids, progress)
        ds = load_eval_data(models[reference.id], data_path, columns)
        features = {m: models[m].encode(ds.texts, ds.text_pairs) for m in ids}
        peaks = _peak_memory(registry, ids, ds, features[reference.id], n_threads, memory, progress)
        progress(ProgressEvent(kind="log", message=f"predicting {len(ds):,} rows with {len(ids)} models"))
        logits = {  # as each model predicts (seq2seq: generates), with its own (re-checked) temperature
            m: models[m].calibrate(_predicted(models[m], features[m])) for m in ids
        }
        timing = _sample_rows(len(ds), max_timing_rows, seed)
        subset = {m: [features[m][i] for i in timing] for m in ids}
        speed = throughput_rps(models, subset, rounds, progress=progress)
        latency_sample = _sample_rows(len(ds), latency_rows, seed + 1)
        latency = latency_ms(models, features, latency_sample, progress=progress)
    metrics = {m: models[m].task.comparison_metrics(models[m], ds, logits[m]) for m in ids}
    measured = {"peak": peaks, "speed": speed, "latency": latency, "metrics": metrics}
    rows = [_row(models[m], models[reference.id], logits, measured, registry) for m in ids]
    extra = list(models[reference.id].task.comparison_columns)  # e.g. BLEU beside chrF
    table = pd.DataFrame(rows, columns=[*COMPARISON_COLUMNS, *extra])
    table.attrs["metric_scale"] = models[reference.id].task.metric_scale
    if save:
        settings = {
            "rounds": rounds,
            "latency_rows": len(latency_sample),
            "timing_rows": len(timing),
            "batch_size": 32,
            "threads": n_threads,
        }
        _save(registry, table, models, metrics, ds, machine_info(n_threads), settings)
    return table


def _predicted(loaded: Any, features: list[dict]) -> Any:
    return loaded.task.prediction_outputs(loaded.model, loaded.tokenizer, features, batch_size=32)


def _peak_memory(
    registry: Registry,
    ids: list[str],
    ds: Any,
    features: list[dict],
    threads: int,
    enabled: bool,
    progress: ProgressCallback,
) -> dict[str, float | None]:
    if not enabled:
        return dict.fromkeys(ids)
    longest = np.argsort([-len(f["input_ids"]) for f in features], kind="stable")[:32]
    progress(ProgressEvent(kind="log", message=f"peak memory of {len(ids)} models (child processes)"))
    return peak_memory_mb(ids, registry.home, [ds.texts[i] for i in longest], threads)


def _row(loaded: Any, reference: Any, logits: dict, measured: dict, registry: Registry) -> dict[str, Any]:
    record, task = loaded.record, loaded.task
    model_id, ref_id = record.id, reference.record.id
    metric = task.primary_metric
    scores, ref_scores = task.comparison_scores(logits[model_id]), task.comparison_scores(logits[ref_id])
    agreement = task.comparison_agreement(logits[model_id], logits[ref_id])
    if agreement is None:
        agreement = math.nan
    p50, p95 = measured["latency"][model_id]
    value = measured["metrics"][model_id][metric]
    return {
        "model_id": model_id,
        "variant": "+".join(record.recipe.get("chain", [])) or "original",
        "parent": record.parent,
        "params": count_parameters(loaded.model),
        "size_mb": round(weights_size_bytes(registry.path(model_id)) / 1e6, 2),
        "peak_mem_mb": measured["peak"][model_id],
        "latency_ms_p50": round(p50, 3),
        "latency_ms_p95": round(p95, 3),
        "throughput_rps": round(measured["speed"][model_id], 2),
        "speedup": round(measured["speed"][model_id] / measured["speed"][ref_id], 3),
        "metric": metric,
        "metric_value": value,
        "metric_delta": value - measured["metrics"][ref_id][metric],
        "agreement": agreement,
        "mean_abs_dprob": float(np.abs(scores - ref_scores).mean()),
        "compute": compute_label(record, loaded.model),
        "notes": record.recipe.get("note", ""),
        **{name: measured["metrics"][model_id].get(name) for name in task.comparison_columns},
    }


def compute_label(record: ModelRecord, model: Any) -> str:
    """What the arithmetic runs in; for half-storage variants, what the loader chose on this CPU."""
    compute = record.recipe.get("compute", "float32")
    if compute == "auto":
        dtype = str(next(model.parameters()).dtype).removeprefix("torch.")
        return f"{dtype} (stored as {record.recipe.get('storage_dtype')})"
    return compute


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def table_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON-able dicts (NaN → None)."""
    return [{k: _json_safe(v) for k, v in row.items()} for row in table.to_dict(orient="records")]


def _save(
    registry: Registry,
    table: pd.DataFrame,
    models: dict,
    metrics: dict,
    ds: Any,
    machine: dict,
    settings: dict,
) -> None:
    """Store the table with every model measured, so the UI shows it without measuring again."""
    rows = table_records(table)
    reference = rows[0]["model_id"]
    data = {"source": ds.source, "rows": len(ds), "fingerprint": ds.fingerprint}
    for row in rows:
        record = registry.get(row["model_id"])
        record.extra["comparison"] = {
            "measured_at": time.time(),
            "reference": reference,
            "data": data,
            "machine": machine,
            "settings": settings,
            "row": row,
            "table": rows,
        }
        if record.kind == "variant":
            record.metrics = {k: float(v) for k, v in metrics[record.id].items()}
        registry.update(record)


def format_comparison(table: pd.DataFrame) -> str:
    """The table as aligned text for terminals and logs (speed as ×parent, agreement in %)."""
    header = (
        f"{'model':<26} {'variant':<16} {'params':>7} {'size MB':>8} {'mem MB':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'rows/s':>8} {'speed':>6} {'metric':>8} {'Δ pt':>6} {'agree':>6}  compute"
    )
    lines = [header, "-" * len(header)]
    scale = table.attrs.get("metric_scale", 100.0)  # to points (sacreBLEU scores already are)
    for row in table_records(table):
        mem = f"{row['peak_mem_mb']:.0f}" if row["peak_mem_mb"] is not None else "-"
        agree = f"{row['agreement'] * 100:.1f}" if row["agreement"] is not None else "-"
        lines.append(
            f"{row['model_id'][:26]:<26} {row['variant'][:16]:<16} {row['params'] / 1e6:>6.1f}M "
            f"{row['size_mb']:>8.1f} {mem:>7} {row['latency_ms_p50']:>7.2f} {row['latency_ms_p95']:>7.2f} "
            f"{row['throughput_rps']:>8.1f} {row['speedup']:>5.2f}x {row['metric_value']:>8.4f} "
            f"{row['metric_delta'] * scale:>+6.2f} {agree:>6}  {row['compute']}"
        )
    metric = table["metric"].iloc[0] if len(table) else "metric"
    lines.append(
        f"metric: {metric}; Δ pt: change vs {table['model_id'].iloc[0] if len(table) else '-'} in points"
    )
    return "\n".join(lines)
