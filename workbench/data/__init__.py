"""Data layer: read a user's table, check it, clean its texts, split it, export it safely.

Import from here; the submodules are implementation detail. Nothing heavy is imported at package
import time beyond pandas (scikit-learn, transformers and the safety package load on first use).
"""

from workbench.data.io import read_table
from workbench.data.labels import detect_task
from workbench.data.preprocess import apply_preprocess, register_text_hook
from workbench.data.spec import TASK_AUTO, ColumnMap, DataReport, PreprocessSpec, TextDataset
from workbench.data.split import split_dataset
from workbench.data.validate import check_data, check_frame, load_dataset

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
