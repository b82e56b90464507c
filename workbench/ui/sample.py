"""The no-typing first run: the sample support messages, the offline default model and a short run."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from workbench.data.spec import ColumnMap
from workbench.ui.session import DatasetChoice, base_model_choices, init_session, set_dataset

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "assets" / "sample"
SAMPLE_TRAIN = SAMPLE_DIR / "support_train.csv"
SAMPLE_TEST = SAMPLE_DIR / "support_test.csv"
SAMPLE_UNLABELLED = SAMPLE_DIR / "support_unlabelled.csv"
SAMPLE_LABEL = "intent"
# A short run that finishes in about a minute on two CPU cores and still learns the intents.
SAMPLE_TRAIN_PRESET = {"name": "support-intent", "epochs": 3.0, "evals_per_epoch": 2}


def sample_available() -> bool:
    return SAMPLE_TRAIN.is_file() and SAMPLE_TEST.is_file()


def sample_dataset(label: str = SAMPLE_LABEL) -> DatasetChoice:
    """The sample training file with its held-out test file as validation data."""
    return DatasetChoice(
        path=str(SAMPLE_TRAIN),
        name=f"sample support messages ({label})",
        columns=ColumnMap(text="text", label=label),
        eval_path=str(SAMPLE_TEST),
    )


def start_sample_flow() -> None:
    """Choose the sample data, the first offered base model and the short-run preset."""
    init_session()
    set_dataset(sample_dataset())
    st.session_state["base_model"] = base_model_choices()[0]
    st.session_state["train_preset"] = dict(SAMPLE_TRAIN_PRESET)
