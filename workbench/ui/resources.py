"""Heavy objects cached across sessions with ``st.cache_resource`` (read-only, keyed by model id and
version) and small results cached with ``st.cache_data``. Model libraries are imported lazily inside
these functions, so the app's first page never waits for torch."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import streamlit as st

from workbench.models.registry import ModelRecord, Registry

MAX_CACHED_MODELS = 3


@st.cache_resource(show_spinner="Loading the model…", max_entries=MAX_CACHED_MODELS)
def _loaded_model(model_id: str, created: float, registry_root: str) -> Any:
    from workbench.inference.predict import MODEL_CACHE

    return MODEL_CACHE.get(model_id, Registry(Path(registry_root).parent))


def loaded_model(model_id: str) -> Any:
    """The registry model ``model_id`` in memory (a ``LoadedModel``), shared read-only by sessions.
    Keyed by the record's creation time, so a re-trained model under the same id is reloaded."""
    registry = Registry()
    record = registry.get(model_id)
    return _loaded_model(record.id, record.created, str(registry.root))


@st.cache_data(show_spinner="Checking the model…", max_entries=16)
def check_base_model(name: str) -> dict[str, Any]:
    """Validate that a base model (hub id, folder or ``default``) loads offline: config and tokenizer.

    Returns what a person wants to know before fine-tuning it; raises ``ModelLoadError`` otherwise.
    """
    from workbench.models.loading import load_config, load_tokenizer, resolve_source

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
    """``name`` when it is installed and provides ``attributes``; None while it is still missing, so a
    page can say plainly what is not there yet instead of failing."""
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise
    if all(hasattr(module, attribute) for attribute in attributes):
        return module
    return None
