"""How a registry folder becomes a model in memory. Registered by name so variants that
``save_pretrained`` cannot express (quantized modules) add their own loader (recipe + state dict)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.models.loading import load_pretrained, load_tokenizer, resolve_source
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


@register_loader("hf")
def load_hf_folder(record: ModelRecord, folder: Path) -> Any:
    """A plain ``save_pretrained`` folder (full fine-tune, head-only, merged LoRA...)."""
    task = get_task(record.task)
    return load_pretrained(task.auto_model_class(), str(folder))


@register_loader("peft-adapter")
def load_peft_adapter(record: ModelRecord, folder: Path) -> Any:
    """A LoRA/adapter folder: rebuild the base with the same head, then attach the adapter."""
    from peft import PeftModel

    task = get_task(record.task)
    base = load_pretrained(
        task.auto_model_class(),
        resolve_source(record.base_model),
        ignore_mismatched_sizes=True,
        **task.config_overrides(record.labels),
    )
    tokenizer = load_tokenizer(str(folder))
    base.config.pad_token_id = tokenizer.pad_token_id
    return PeftModel.from_pretrained(base, str(folder))
