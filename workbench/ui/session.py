"""Per-browser-session state: ids and specs only, never models.

Each session gets its own upload folder (``$WORKBENCH_HOME/uploads/<session id>/``) so two people on
one Space never see each other's files; the model registry and the label store are shared on purpose.
Pages call :func:`init_session` first, so each page also runs on its own (``AppTest``, deep links).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import streamlit as st

from workbench.config import DEFAULT_MODEL_ALIAS, workspace_home
from workbench.data.spec import TASK_AUTO, ColumnMap
from workbench.errors import DataError, WorkbenchError
from workbench.training import runs

BASE_MODEL_CHOICES_ENV = "WORKBENCH_BASE_MODEL_CHOICES"
DEFAULT_UPLOAD_CAP_MB = 50
SAFE_NAME_CHARS = "-_."


@dataclass(frozen=True)
class DatasetChoice:
    """The dataset a session works on: which file, which columns, and how to hold out validation."""

    path: str = field(metadata={"help": "The training file (an upload of this session or a sample)."})
    name: str = field(metadata={"help": "What the sidebar and the run names call the dataset."})
    columns: ColumnMap = field(default_factory=ColumnMap)
    task: str = field(default=TASK_AUTO, metadata={"help": "Task type; 'auto' detects it from the labels."})
    eval_path: str | None = field(default=None, metadata={"help": "Optional validation file."})
    val_fraction: float = 0.1
    test_fraction: float = 0.0
    seed: int = 42
    rows: int = 0
    labels: tuple[str, ...] = ()

    def train_fields(self) -> dict[str, Any]:
        """The ``TrainSpec`` fields this dataset decides."""
        return {
            "train_data": self.path,
            "text_col": self.columns.text,
            "label_col": self.columns.label or "label",
            "text_pair_col": self.columns.text_pair,
            "eval_data": self.eval_path,
            "task": self.task,
            "val_fraction": self.val_fraction,
            "test_fraction": self.test_fraction,
            "seed": self.seed,
        }

    def with_changes(self, **changes: Any) -> DatasetChoice:
        return replace(self, **changes)


SESSION_DEFAULTS: dict[str, Any] = {
    "active_model": None,  # registry id of the model used to predict, explain, review
    "base_model": None,  # what the Train page fine-tunes (None = first of base_model_choices())
    "dataset": None,  # DatasetChoice
    "run_id": None,  # the training run this session watches
    "train_preset": {},  # TrainSpec overrides (the sample flow asks for a short run)
}


def init_session() -> None:
    """Set the session's defaults once (later calls keep what the user chose), and adopt the model of
    a run that finished since the last rerun. Every page calls it, so pages also run on their own."""
    if "active_model" not in st.session_state:
        st.session_state["active_model"] = newest_model()
    session_id()
    for key, value in SESSION_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    adopt_finished_run()


def newest_model() -> str | None:
    """A new session starts with the newest model of the (shared) workspace, if there is one."""
    from workbench.models.registry import Registry

    records = Registry().list()
    return records[0].id if records else None


def adopt_finished_run() -> None:
    """When the run this session watches has produced a model, make it the active model (once)."""
    run_id = watched_run()
    if not run_id or st.session_state.get("adopted_run") == run_id:
        return
    status = runs.get_run(run_id).status()
    if status.get("state") == "completed" and status.get("model_id"):
        st.session_state["active_model"] = status["model_id"]
        st.session_state["adopted_run"] = run_id


def watched_run() -> str | None:
    """The run this session watches, when it still exists and this session started it: training runs
    are private to their browser session (other sessions' runs only count in the queue)."""
    run_id = st.session_state.get("run_id")
    if not run_id:
        return None
    try:
        owner = runs.get_run(run_id).owner
    except WorkbenchError:
        owner = None
    if owner != session_id():
        st.session_state["run_id"] = None
        return None
    return run_id


def session_id() -> str:
    if "session_id" not in st.session_state:
        st.session_state["session_id"] = uuid.uuid4().hex[:12]
    return st.session_state["session_id"]


def upload_dir() -> Path:
    folder = workspace_home() / "uploads" / session_id()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_cap_bytes() -> int:
    """The upload cap from ``.streamlit/config.toml`` (``server.maxUploadSize``, in MB)."""
    megabytes = st.get_option("server.maxUploadSize") or DEFAULT_UPLOAD_CAP_MB
    return int(megabytes) * 1024 * 1024


def upload_cap_text() -> str:
    return f"{upload_cap_bytes() // (1024 * 1024)} MB"


def safe_file_name(name: str) -> str:
    """A file name without folders or odd characters (uploads are never trusted)."""
    base = Path(name).name
    cleaned = "".join(ch if ch.isalnum() or ch in SAFE_NAME_CHARS else "_" for ch in base).lstrip(".")
    return cleaned or "upload.csv"


def save_upload(name: str, data: bytes) -> Path:
    """Store an uploaded file in this session's folder; refuse it when over the cap."""
    cap = upload_cap_bytes()
    if len(data) > cap:
        raise DataError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB, over the upload cap of {upload_cap_text()}. "
            "Upload a sample of the file, or split it."
        )
    target = upload_dir() / safe_file_name(name)
    target.write_bytes(data)
    return target


def base_model_choices() -> list[str]:
    """Base models offered without typing: ``$WORKBENCH_BASE_MODEL_CHOICES`` (comma-separated ids or
    folders), else the offline default."""
    raw = os.environ.get(BASE_MODEL_CHOICES_ENV, "")
    choices = [item.strip() for item in raw.split(",") if item.strip()]
    return choices or [DEFAULT_MODEL_ALIAS]


def base_model() -> str:
    return st.session_state.get("base_model") or base_model_choices()[0]


def active_model() -> str | None:
    return st.session_state.get("active_model")


def set_active_model(model_id: str | None) -> None:
    st.session_state["active_model"] = model_id


def dataset() -> DatasetChoice | None:
    return st.session_state.get("dataset")


def set_dataset(choice: DatasetChoice | None) -> None:
    st.session_state["dataset"] = choice
