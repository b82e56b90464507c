"""Measuring models fairly: same process, same threads, warm-up first, interleaved rounds, medians.

Timing models one after the other lets a noisy neighbour (another job, thermal state) favour one of
them; interleaving spreads the noise over all of them, so the *ratios* hold even on a busy machine.
Peak memory is measured in a fresh child process (see ``memprobe``), where nothing else is loaded.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.progress import ProgressCallback, ProgressEvent, no_progress

WEIGHT_SUFFIXES = (".safetensors", ".onnx")


def count_parameters(model: Any) -> int:
    """Parameters of a model, counting int8-packed Linear weights (absent from ``parameters()``)."""
    import torch

    if not isinstance(model, torch.nn.Module):
        return int(model.num_parameters())
    from workbench.variants.quantize import quantized_linears

    total = sum(p.numel() for p in model.parameters())
    for module in quantized_linears(model).values():
        bias = module.bias()
        total += module.weight().numel() + (bias.numel() if bias is not None else 0)
    return int(total)


def weights_size_bytes(folder: Path) -> int:
    """Bytes of the weight files (the tokenizer and config are the same for every variant)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.suffix in WEIGHT_SUFFIXES)


@functools.cache
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(threads: int) -> dict[str, Any]:
    """Where the numbers were measured: saved with every comparison."""
    import torch

    from workbench.variants.onnx import is_onnxruntime_available

    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": threads,
        "torch": torch.__version__,
        "quantized_engine": torch.backends.quantized.engine,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    if is_onnxruntime_available():
        import onnxruntime

        info["onnxruntime"] = onnxruntime.__version__
    return info


def _rotated(keys: list[str], shift: int) -> list[str]:
    shift %= max(len(keys), 1)
    return keys[shift:] + keys[:shift]


def interleaved_times(
    calls: dict[str, Callable[[], Any]],
    rounds: int,
    progress: ProgressCallback = no_progress,
    label: str = "",
    first_round: int = 0,
) -> dict[str, list[float]]:
    """Seconds per call: every round calls each model once, starting with a different one each round."""
    times: dict[str, list[float]] = {key: [] for key in calls}
    keys = list(calls)
    for r in range(rounds):
        for key in _rotated(keys, first_round + r):
            started = time.perf_counter()
            calls[key]()
            times[key].append(time.perf_counter() - started)
        progress(ProgressEvent(kind="step", step=r + 1, total_steps=rounds, message=label))
    return times


def latency_ms(
    models: dict[str, Any],
    features: dict[str, list[dict]],
    rows: Sequence[int],
    warmup: int = 3,
    progress: ProgressCallback = no_progress,
) -> dict[str, tuple[float, float]]:
    """(p50, p95) milliseconds of one-text predictions, the texts' order shared and models interleaved."""

    def one(key: str, i: int) -> Callable[[], Any]:
        loaded = models[key]
        run = loaded.task.prediction_outputs  # seq2seq: generation
        return lambda: run(loaded.model, loaded.tokenizer, [features[key][i]], batch_size=1)

    for key in models:
        for i in list(rows)[:warmup]:
            one(key, i)()
    samples: dict[str, list[float]] = {key: [] for key in models}
    for step, i in enumerate(rows):
        timed = interleaved_times({key: one(key, i) for key in models}, 1, first_round=step)
        for key, values in timed.items():
            samples[key].extend(values)
        progress(ProgressEvent(kind="step", step=step + 1, total_steps=len(rows), message="latency"))
    return {
        k: (float(np.percentile(v, 50)) * 1e3, float(np.percentile(v, 95)) * 1e3) for k, v in samples.items()
    }


def throughput_rps(
    models: dict[str, Any],
    features: dict[str, list[dict]],
    rounds: int,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
) -> dict[str, float]:
    """Rows per second at ``batch_size`` over length-sorted, dynamically padded batches (median round)."""

    def full_pass(key: str) -> Callable[[], Any]:
        loaded = models[key]
        run = loaded.task.prediction_outputs  # seq2seq: generation
        return lambda: run(loaded.model, loaded.tokenizer, features[key], batch_size=batch_size)

    times = interleaved_times({key: full_pass(key) for key in models}, rounds, progress, "throughput")
    return {key: len(features[key]) / float(np.median(values)) for key, values in times.items()}


def peak_memory_mb(
    model_ids: list[str], home: Path, texts: list[str], threads: int, parallel: int = 2
) -> dict[str, float | None]:
    """Peak resident memory added by loading each model and predicting one batch of ``texts``, each
    in a fresh child process (``workbench.variants.memprobe``); ``parallel`` children at a time (memory
    is per process, so running them side by side changes the time taken, not the numbers). None where
    the platform cannot tell."""
    peaks: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="workbench-mem-") as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        env = {**os.environ, "WORKBENCH_HOME": str(home), "OMP_NUM_THREADS": str(threads)}
        for start in range(0, len(model_ids), parallel):
            running = {
                model_id: subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "workbench.variants.memprobe",
                        model_id,
                        str(texts_file),
                        str(threads),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                    env=env,
                )
                for model_id in model_ids[start : start + parallel]
            }
            for model_id, child in running.items():
                out, _ = child.communicate(timeout=600)
                peaks[model_id] = _probe_result(out if child.returncode == 0 else "")
    return peaks


def _probe_result(stdout: str) -> float | None:
    lines = stdout.strip().splitlines()
    value = json.loads(lines[-1]).get("peak_mb") if lines else None
    return None if value is None else float(value)
