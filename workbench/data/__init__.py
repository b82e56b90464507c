"""Data layer: read a user's table, check it, clean its texts, split it, export it safely.

Import from here; the submodules are implementation detail. Nothing heavy is imported at package
import time: the names below load their submodule (and pandas with it) on first use (PEP 562), so
``workbench.data.spec`` stays cheap for the app's first page.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from workbench.data.spec import TASK_AUTO, ColumnMap, DataReport, PreprocessSpec, TextDataset

if TYPE_CHECKING:
    from workbench.data.io import read_table
    from workbench.data.labels import detect_task
    from workbench.data.preprocess import apply_preprocess, register_text_hook
    from workbench.data.split import split_dataset
    from workbench.data.validate import check_data, check_frame, load_dataset

_LAZY = {
    "read_table": "workbench.data.io",
    "detect_task": "workbench.data.labels",
    "apply_preprocess": "workbench.data.preprocess",
    "register_text_hook": "workbench.data.preprocess",
    "split_dataset": "workbench.data.split",
    "check_data": "workbench.data.validate",
    "check_frame": "workbench.data.validate",
    "load_dataset": "workbench.data.validate",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench.data' has no attribute {name!r}")


__all__ = [
    "TASK_AUTO",
    "ColumnMap",
    "DataReport",
    "PreprocessSpec",
    "TextDataset",
    "apply_preprocess",
    "check_data",
    "check_frame",
    "detect_task",
    "load_dataset",
    "read_table",
    "register_text_hook",
    "split_dataset",
]
