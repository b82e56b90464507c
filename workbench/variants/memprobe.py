"""Child process of ``compare``: peak memory of one model, with nothing else loaded.

Libraries (torch, transformers, the architecture's modeling code, onnxruntime) are imported first; then the kernel's peak-RSS mark is
reset (``/proc/self/clear_refs``), the model is loaded and one batch predicted; the reported number is
the new peak minus the resident memory just before loading. It counts weights, runtime buffers and
activations of that batch, not the libraries every model needs anyway. Linux only (None elsewhere).

Usage: ``python -m workbench.variants.memprobe MODEL_ID TEXTS.json THREADS`` → one JSON line.
"""

from __future__ import annotations

import gc
import json
import re
import sys
from pathlib import Path


def _status_kb(field: str) -> int | None:
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _import_model_code(model_id: str) -> None:
    """Import the architecture's code (and the runtime a loader needs) without creating the model."""
    import torch.ao.nn.quantized.dynamic  # noqa: F401

    from workbench.inference.loaders import loader_name
    from workbench.models.loading import load_config, resolve_source
    from workbench.models.registry import Registry
    from workbench.tasks import get_task
    from workbench.variants.onnx import is_onnxruntime_available

    registry = Registry()
    record = registry.get(model_id)
    source = resolve_source(record.base_model) if record.adapter else str(registry.path(record.id))
    config = load_config(source)
    get_task(record.task).auto_model_class()._model_mapping[type(config)]  # imports modeling_<type>
    if record.adapter:
        import peft  # noqa: F401
    if loader_name(record) == "onnx" and is_onnxruntime_available():
        import onnxruntime  # noqa: F401


def measure(model_id: str, texts: list[str], threads: int) -> float | None:
    import torch

    from workbench.inference.predict import load_model

    torch.set_num_threads(threads)
    _import_model_code(model_id)
    gc.collect()
    if not _reset_peak():
        return None
    baseline = _status_kb("VmRSS")
    loaded = load_model(model_id)
    loaded.task.prediction_outputs(
        loaded.model, loaded.tokenizer, loaded.encode(texts), batch_size=max(1, len(texts))
    )
    peak = _status_kb("VmHWM")
    if baseline is None or peak is None:
        return None
    return round((peak - baseline) / 1024, 1)


def main(argv: list[str]) -> int:
    model_id, texts_path, threads = argv[0], argv[1], int(argv[2])
    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    print(json.dumps({"model_id": model_id, "peak_mb": measure(model_id, texts, threads)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
