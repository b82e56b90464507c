"""Heavy objects cached across sessions with ``st.cache_resource`` (read-only, keyed by model id and
version) and small results cached with ``st.cache_data``. Model libraries are imported lazily inside
these functions, so the app's first page never waits for torch."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import streamlit as st

from workbench.models.registry import ModelRecord, Registry

if TYPE_CHECKING:  # the home page imports this module: pandas stays out of the start-up path
    import pandas as pd

MAX_CACHED_MODELS = 3
MODEL_LIBRARIES = ("torch", "transformers", "transformers.models.auto.modeling_auto", "peft")
_IMPORT_LOCK = threading.Lock()


def import_model_libraries(*extra: str) -> None:
    """Import torch, transformers (and ``extra`` modules such as ``shap``) one thread at a time.

    Streamlit may run two script threads of a session at once (a rerun starts before the abandoned
    run stops); two threads importing transformers' lazy modules together can leave a half-initialised
    module behind ("cannot import name AutoModelFor..."), broken for the life of the process. Every
    page that calls a model in-process calls this first; once imported it costs nothing.
    """
    with _IMPORT_LOCK:
        for name in (*MODEL_LIBRARIES, *extra):
            importlib.import_module(name)


def ensure_model_libraries(*extra: str) -> None:
    """``import_model_libraries`` with a spinner the first time (it takes a few seconds)."""
    import sys

    if all(name in sys.modules for name in (*MODEL_LIBRARIES, *extra)):
        return
    with st.spinner("Loading the model libraries (first use only)…"):
        import_model_libraries(*extra)


@st.cache_resource(show_spinner="Loading the model…", max_entries=MAX_CACHED_MODELS)
def _loaded_model(model_id: str, created: float, registry_root: str) -> Any:
    from workbench.inference.predict import MODEL_CACHE

    return MODEL_CACHE.get(model_id, Registry(Path(registry_root).parent))


def loaded_model(model_id: str) -> Any:
    """The registry model ``model_id`` in memory (a ``LoadedModel``), shared read-only by sessions.
    Keyed by the record's creation time, so a re-trained model under the same id is reloaded."""
    ensure_model_libraries()
    registry = Registry()
    record = registry.get(model_id)
    return _loaded_model(record.id, record.created, str(registry.root))


@st.cache_data(show_spinner="Checking the model…", max_entries=16)
def check_base_model(name: str) -> dict[str, Any]:
    """Validate that a base model (hub id, folder or ``default``) loads offline: config and tokenizer.

    Returns what a person wants to know before fine-tuning it; raises ``ModelLoadError`` otherwise.
    """
    from workbench.models.loading import load_config, load_tokenizer, resolve_source

    import_model_libraries()
    source = resolve_source(name)
    config = load_config(source)
    tokenizer = load_tokenizer(source)
    return {
        "name": name,
        "source": source,
        "architecture": (getattr(config, "architectures", None) or [config.model_type])[0],
        "model_type": config.model_type,
        "layers": getattr(config, "num_hidden_layers", None) or getattr(config, "n_layer", None),
        "hidden_size": getattr(config, "hidden_size", None) or getattr(config, "n_embd", None),
        "vocabulary": len(tokenizer),
        "max_tokens": getattr(config, "max_position_embeddings", None),
    }


@st.cache_data(show_spinner=False, max_entries=32)
def _read_table(path: str, mtime: float, max_bytes: int | None) -> pd.DataFrame:
    from workbench.data import read_table

    return read_table(path, max_bytes=max_bytes)


def read_table_cached(path: str | Path, max_bytes: int | None = None) -> pd.DataFrame:
    """A user's table, read once per file version (a page rerun must not re-parse it)."""
    file = Path(path)
    mtime = file.stat().st_mtime if file.exists() else 0.0
    return _read_table(str(file), mtime, max_bytes)


def models(kind: str | None = None) -> list[ModelRecord]:
    """The workspace's models, newest first (cheap: reads small JSON records)."""
    records = Registry().list()
    return [r for r in records if kind is None or r.kind == kind]


def optional_module(name: str, *attributes: str) -> ModuleType | None:
    """``name`` when it is installed and provides ``attributes``; None while it (or one of its lazily
    imported parts) is still missing, so a page can say plainly what is not there yet."""
    try:
        module = importlib.import_module(name)
        for attribute in attributes:
            getattr(module, attribute)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == name.split(".")[0]:
            return None
        raise
    except AttributeError:
        return None
    return module


def require_module(name: str, *attributes: str, what: str) -> ModuleType:
    """The optional package ``name``, or stop the page saying plainly that ``what`` is not there yet."""
    from workbench.ui.layout import stop_with_hint

    module = optional_module(name, *attributes)
    if module is None:
        stop_with_hint(f"{what} are not available yet: the `{name}` package is not installed.")
    return module
