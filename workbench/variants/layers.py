"""``drop-layers:K``: keep K of the encoder's layers, no retraining. Also the student of ``distill``.

Which stack is cut is the task's choice (``Task.layer_stack``): seq2seq models lose decoder layers,
which run once per generated token (the known Marian speed-up); other tasks the encoder's.

Which layers: ``every-other`` spreads the kept layers out and always keeps the top one (the head
was trained on its output), ``first`` and ``last`` keep a contiguous block.
"""

from __future__ import annotations

from typing import Any

from workbench.variants.base import LAYERS, BuildContext, Built, VariantBuilder, register_variant


def find_layer_list(model: Any) -> tuple[Any, str] | None:
    """The ``ModuleList`` of transformer blocks (BERT ``encoder.layer``, GPT-2 ``h``...) and its path."""
    import torch

    if not isinstance(model, torch.nn.Module):
        return None
    count = getattr(getattr(model, "config", None), "num_hidden_layers", None)
    base = getattr(model, "base_model", model)
    for path, module in base.named_modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == count and count:
            return module, path
    return None


def layer_stack(model: Any, task: str | None = None) -> tuple[Any, str, str] | None:
    """``(blocks, path in model, config key of their count)`` that layer dropping cuts: the task's own
    stack if it names one (seq2seq: the decoder's), else the generic search."""
    if task is not None:
        from workbench.tasks import get_task

        own = get_task(task).layer_stack(model)
        if own is not None:
            return own
    found = find_layer_list(model)
    if found is None:
        return None
    base = getattr(model, "base_model", model)
    prefix = next((name for name, module in model.named_modules() if module is base), "")
    return found[0], f"{prefix}.{found[1]}" if prefix else found[1], "num_hidden_layers"


def layer_count(model: Any, task: str | None = None) -> int | None:
    found = layer_stack(model, task)
    return len(found[0]) if found else None


def choose_layers(total: int, keep: int, choice: str = "every-other") -> list[int]:
    """Indices of the layers to keep, e.g. 3 of 6 every-other → [1, 3, 5]."""
    if choice == "first":
        return list(range(keep))
    if choice == "last":
        return list(range(total - keep, total))
    return sorted({round((i + 1) * total / keep) - 1 for i in range(keep)})


def keep_layers(model: Any, indices: list[int], task: str | None = None) -> Any:
    """Cut ``model`` down to the given layers, in place; the config says the new depth."""
    import torch

    layers, path, key = layer_stack(model, task)  # type: ignore[misc]
    kept = [layers[i] for i in indices]
    carry_position_bias(layers[0], kept[0])
    for new_index, layer in enumerate(kept):
        for module in layer.modules():
            if hasattr(module, "layer_idx"):
                module.layer_idx = new_index  # decoders index their cache by layer
    owner_path, _, attribute = path.rpartition(".")
    owner = model.get_submodule(owner_path) if owner_path else model
    setattr(owner, attribute, torch.nn.ModuleList(kept))
    setattr(model.config, key, len(indices))
    layer_types = getattr(model.config, "layer_types", None)
    if key == "num_hidden_layers" and isinstance(layer_types, list) and len(layer_types) > max(indices):
        model.config.layer_types = [layer_types[i] for i in indices]
    return model


def carry_position_bias(first: Any, new_first: Any) -> None:
    """T5-style stacks learn their relative position bias in the first block only (the others reuse
    it): when that block is dropped, the new first block takes it over, as the saved config expects."""
    originals = dict(first.named_modules())
    for name, module in new_first.named_modules():
        source = originals.get(name)
        if getattr(source, "has_relative_attention_bias", False) and not module.has_relative_attention_bias:
            module.relative_attention_bias = source.relative_attention_bias
            module.has_relative_attention_bias = True


def check_layer_count(record: Any, model: Any, step: str, keep: Any) -> tuple[bool, str]:
    """Shared by drop-layers and distill: the model must have a layer list longer than K."""
    found = layer_stack(model, record.task)
    if found is None:
        return False, (
            f"{step} needs a model with a list of transformer layers; {type(model).__name__} of "
            f"{record.id!r} has none that the workbench recognises."
        )
    total, key = len(found[0]), found[2]
    if not isinstance(keep, int) or keep >= total:
        upper = f"choose K from 1 to {total - 1}" if total > 1 else "it cannot lose any"
        which = "" if key == "num_hidden_layers" else f" ({key})"  # e.g. seq2seq: decoder_layers
        return False, f"{step} keeps {keep} layers but {record.id!r} has only {total}{which}; {upper}."
    return True, ""


@register_variant
class DropLayers(VariantBuilder):
    name = "drop-layers"
    description = (
        "Keep K transformer layers (every other one by default) without retraining: about total/K "
        "times faster, usually with an accuracy loss; distill:K wins it back."
    )
    value_kind = LAYERS
    options_used = ("layer_choice",)

    def is_compatible(self, record: Any, model: Any) -> tuple[bool, str]:
        ok, reason = super().is_compatible(record, model)
        return check_layer_count(record, model, str(self.step), self.value) if ok else (ok, reason)

    def build(self, ctx: BuildContext) -> Built:
        model, task = fresh_copy(ctx), ctx.parent.record.task
        _, _, key = layer_stack(model, task)  # type: ignore[misc]
        total = layer_count(model, task) or 0
        indices = choose_layers(total, int(self.value), ctx.spec.layer_choice)  # type: ignore[arg-type]
        keep_layers(model, indices, task).save_pretrained(str(ctx.folder))
        details = {"kept_layers": indices, "parent_layers": total, "layer_choice": ctx.spec.layer_choice}
        return Built(model, {**details, "layers_cut": key})


def fresh_copy(ctx: BuildContext) -> Any:
    """A private copy of the parent's model: loaded models may be shared and are read-only."""
    import copy

    return copy.deepcopy(ctx.parent.model)
