"""LLM Onboarding Workbench: fine-tune, compress, explain, check, review and serve transformers.

The public Python API, imported lazily so ``import workbench`` stays fast (no torch at import time)::

    from workbench import TrainSpec, train, evaluate, load_model, Registry, check_data, ColumnMap
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "ColumnMap": "workbench.data",
    "PreprocessSpec": "workbench.data",
    "TextDataset": "workbench.data",
    "check_data": "workbench.data",
    "load_dataset": "workbench.data",
    "read_table": "workbench.data",
    "split_dataset": "workbench.data",
    "TrainSpec": "workbench.training.spec",
    "train": "workbench.training.trainer",
    "TrainResult": "workbench.training.trainer",
    "start_run": "workbench.training.runs",
    "run_in_process": "workbench.training.runs",
    "cancel_run": "workbench.training.runs",
    "resume_run": "workbench.training.runs",
    "get_run": "workbench.training.runs",
    "evaluate": "workbench.evaluation.evaluate",
    "evaluate_dataset": "workbench.evaluation.evaluate",
    "load_model": "workbench.inference.predict",
    "LoadedModel": "workbench.inference.predict",
    "predict_frame": "workbench.inference.service",
    "predict_texts": "workbench.inference.service",
    "predict_file": "workbench.inference.service",
    "Registry": "workbench.models.registry",
    "ModelRecord": "workbench.models.registry",
    "WorkbenchError": "workbench.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
