"""Experiment tracking through the trackers people already read, as the Trainer's own callbacks.

Every run writes TensorBoard event files into its run folder (``$WORKBENCH_HOME/runs/<run>/tensorboard``),
so ``tensorboard --logdir $WORKBENCH_HOME/runs`` shows all runs with no setup. ``report_to`` adds
MLflow or Weights & Biases when that package is installed; MLflow without ``MLFLOW_TRACKING_URI`` logs
to a local file store in the workspace (``$WORKBENCH_HOME/mlruns``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.config import workspace_home
from workbench.errors import SpecError

TENSORBOARD_FOLDER = "tensorboard"
EXTRAS = {"mlflow": ("mlflow", "mlflow"), "wandb": ("wandb", "wandb")}  # tracker -> (module, extra)


@functools.cache
def is_tracker_available(name: str) -> bool:
    module = EXTRAS[name][0] if name in EXTRAS else name
    return importlib.util.find_spec(module) is not None


def check_tracker(name: str) -> None:
    """A clear message, before any training, when the chosen tracker is not installed."""
    if name == "none" or name not in EXTRAS:
        return
    module, extra = EXTRAS[name]
    if not is_tracker_available(name):
        raise SpecError(
            f"report_to {name!r} needs the {module} package, which is not installed. Install it with"
            f" pip install 'llm-onboarding-workbench[{extra}]' (or pip install {module}), or choose"
            " report_to 'none' (TensorBoard files are written either way)."
        )


def default_mlflow_uri() -> str:
    return (workspace_home() / "mlruns").resolve().as_uri()


@contextlib.contextmanager
def _env_default(name: str, value: str) -> Iterator[None]:
    """``name`` set to ``value`` unless the user set it, for the duration of the block only (the
    Trainer's tracker callbacks read their settings from the environment when built)."""
    if name in os.environ:
        yield
        return
    os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)


def tracking_callbacks(report_to: str, log_dir: Path) -> list[Any]:
    """TensorBoard into ``log_dir`` always, plus MLflow or W&B as asked (each writes on rank 0 only)."""
    from transformers.integrations import TensorBoardCallback

    check_tracker(report_to)
    tensorboard = TensorBoardCallback()
    tensorboard.logging_dir = str(log_dir)
    callbacks: list[Any] = [tensorboard]
    if report_to == "mlflow":
        from transformers.integrations import MLflowCallback

        # MLflow 3 refuses its file store unless allowed; a local file store is what this default
        # (and a user's own file: URI) asks for, so allow it unless the user decided otherwise
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        with _env_default("MLFLOW_TRACKING_URI", default_mlflow_uri()):
            callbacks.append(MLflowCallback())
    elif report_to == "wandb":
        from transformers.integrations import WandbCallback

        callbacks.append(WandbCallback())
    return callbacks


def tensorboard_dir(output_dir: str) -> Path:
    """A run's TensorBoard folder: beside its checkpoints (which are deleted once the model is saved),
    so the curves outlive them."""
    return Path(output_dir).parent / TENSORBOARD_FOLDER
