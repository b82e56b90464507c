"""How a registry folder becomes a model in memory. Registered by name so variants that
``save_pretrained`` cannot express (quantized modules) add their own loader (recipe + state dict)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.models.loading import load_pretrained, load_tokenizer, resolve_source
from workbench.models.pooling import apply_pooling
from workbench.models.registry import ModelRecord
from workbench.tasks import get_task

Loader = Callable[[ModelRecord, Path], Any]
LOADERS: dict[str, Loader] = {}


def register_loader(name: str) -> Callable[[Loader], Loader]:
    def decorate(fn: Loader) -> Loader:
        LOADERS[name] = fn
        return fn

    return decorate


def loader_name(record: ModelRecord) -> str:
    if record.recipe.get("loader"):
        return str(record.recipe["loader"])
    return "peft-adapter" if record.adapter else "hf"


def trust_remote_code(record: ModelRecord) -> bool:
    """Only a model trained with ``trust_remote_code`` may run hub code again when it is loaded."""
    return bool(record.spec.get("trust_remote_code", False))


def adapter_base_source(record: ModelRecord) -> str:
    """Where the base of an adapter lives now.

    Training saves the resolved source (an absolute folder or a hub id) as ``extra["base_source"]``, so
    a relative folder still works after a ``cd``. When that folder is gone (the default model's
    package was reinstalled elsewhere, a workspace copied to another machine), the recorded
    ``base_model`` is resolved again, which names the missing folder if it cannot be found.
    """
    saved = str(record.extra.get("base_source") or "")
    if saved and Path(saved).expanduser().is_dir():
        return saved
    if saved and not Path(saved).is_absolute() and not saved.startswith((".", "~")) and saved.count("/") <= 1:
        return saved  # a hub id
    return resolve_source(record.base_model)


@register_loader("hf")
def load_hf_folder(record: ModelRecord, folder: Path) -> Any:
    """A plain ``save_pretrained`` folder (full fine-tune, head-only, merged LoRA...)."""
    task = get_task(record.task)
    return load_pretrained(task.auto_model_class(), str(folder), trust_remote_code=trust_remote_code(record))


@register_loader("peft-adapter")
def load_peft_adapter(record: ModelRecord, folder: Path) -> Any:
    """A LoRA/adapter folder: rebuild the base with the same head, then attach the adapter.

    The base is loaded with the safety options it was trained with (pickled weights only if the user
    allowed them then); the adapter folder itself is always safetensors.
    """
    from peft import PeftModel

    task = get_task(record.task)
    base = load_pretrained(
        task.auto_model_class(),
        adapter_base_source(record),
        allow_pickle=bool(record.spec.get("allow_pickle", False)),
        trust_remote_code=trust_remote_code(record),
        ignore_mismatched_sizes=True,
        **task.config_overrides(record.labels),
    )
    tokenizer = load_tokenizer(str(folder), trust_remote_code(record))
    base.config.pad_token_id = tokenizer.pad_token_id
    apply_pooling(base, record.extra.get("pooling") or "native")  # the base's config does not say it
    return PeftModel.from_pretrained(base, str(folder))
