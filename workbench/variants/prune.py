"""Pruning. ``prune:S`` zeroes the smallest weights (unstructured): the matrices stay dense, so it is
neither faster nor smaller on disk, only more compressible. ``prune-ffn:S`` removes whole feed-forward
neurons (structured): the matrices shrink, so it is really faster and smaller. Neither retrains.
"""

from __future__ import annotations

from typing import Any

from workbench.variants.base import SPARSITY, BuildContext, Built, VariantBuilder, register_variant
from workbench.variants.layers import find_layer_list, fresh_copy

FFN_SIZE_KEYS = ("intermediate_size", "hidden_dim", "ffn_dim", "n_inner", "d_ff")


def encoder_linears(model: Any) -> list[Any]:
    import torch

    layers, _ = find_layer_list(model)  # type: ignore[misc]
    return [m for layer in layers for m in layer.modules() if isinstance(m, torch.nn.Linear)]


def magnitude_prune(model: Any, sparsity: float) -> float:
    """Zero the ``sparsity`` share of smallest-magnitude weights of each encoder matrix; return the
    share actually zeroed (ties at the threshold can make it slightly larger)."""
    import torch

    zeroed = total = 0
    with torch.no_grad():
        for linear in encoder_linears(model):
            weight = linear.weight
            k = int(weight.numel() * sparsity)
            if k:
                threshold = weight.abs().flatten().kthvalue(k).values
                weight[weight.abs() <= threshold] = 0.0
            zeroed += int((weight == 0).sum())
            total += weight.numel()
    return zeroed / max(total, 1)


@register_variant
class MagnitudePrune(VariantBuilder):
    name = "prune"
    options_used = ()
    description = (
        "Unstructured magnitude pruning: zeroes the S share of smallest encoder weights. NOT faster and "
        "not smaller on disk (dense matrices); use prune-ffn:S for speed."
    )
    value_kind = SPARSITY

    def is_compatible(self, record: Any, model: Any) -> tuple[bool, str]:
        ok, reason = super().is_compatible(record, model)
        if ok and find_layer_list(model) is None:
            return (
                False,
                f"{self.step} needs a model with transformer layers; {record.id!r} has none it recognises.",
            )
        return ok, reason

    def build(self, ctx: BuildContext) -> Built:
        model = fresh_copy(ctx)
        achieved = magnitude_prune(model, float(self.value))  # type: ignore[arg-type]
        model.save_pretrained(str(ctx.folder))
        note = f"{achieved:.0%} of encoder weights are zero but stored densely: no speed-up, same file size"
        details = {
            "sparsity": round(achieved, 4),
            "scope": "encoder Linear weights, per matrix",
            "note": note,
        }
        return Built(model, details)


def ffn_size_key(config: Any) -> str | None:
    for key in FFN_SIZE_KEYS:
        if isinstance(getattr(config, key, None), int):
            return key
    return None


def ffn_pairs(model: Any) -> list[tuple[Any, list[str], str]] | None:
    """Per layer: (layer, names of the Linear(s) into the FFN, name of the Linear out of it)."""
    import torch

    found, key = find_layer_list(model), ffn_size_key(model.config)
    if found is None or key is None:
        return None
    inner, hidden = getattr(model.config, key), model.config.hidden_size
    pairs = []
    for layer in found[0]:
        linears = {n: m for n, m in layer.named_modules() if isinstance(m, torch.nn.Linear)}
        ups = [n for n, m in linears.items() if (m.in_features, m.out_features) == (hidden, inner)]
        downs = [n for n, m in linears.items() if (m.in_features, m.out_features) == (inner, hidden)]
        if not ups or len(downs) != 1 or inner == hidden:
            return None
        pairs.append((layer, ups, downs[0]))
    return pairs


def _sliced_linear(linear: Any, rows: Any = None, cols: Any = None) -> Any:
    import torch

    weight = linear.weight.detach()
    weight = weight[rows] if rows is not None else weight
    weight = weight[:, cols] if cols is not None else weight
    new = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=linear.bias is not None)
    with torch.no_grad():
        new.weight.copy_(weight)
        if linear.bias is not None:
            new.bias.copy_(linear.bias.detach()[rows] if rows is not None else linear.bias.detach())
    return new


def prune_ffn_neurons(model: Any, sparsity: float) -> int:
    """Remove the same number of least important FFN neurons from every layer; return how many stay.

    Importance of neuron j: ‖row j of the input matrices‖ x ‖column j of the output matrix‖, the size of
    what it can pass on. Every layer keeps the same count so the config's one FFN size stays true.
    """
    import torch

    pairs = ffn_pairs(model)
    key = ffn_size_key(model.config)
    keep = max(1, round(getattr(model.config, key) * (1 - sparsity)))  # type: ignore[arg-type]
    for layer, ups, down in pairs:  # type: ignore[union-attr]
        score = layer.get_submodule(down).weight.norm(dim=0)
        for up in ups:
            score = score * layer.get_submodule(up).weight.norm(dim=1)
        kept = torch.sort(torch.topk(score, keep).indices).values
        for name in ups:
            _replace(layer, name, _sliced_linear(layer.get_submodule(name), rows=kept))
        _replace(layer, down, _sliced_linear(layer.get_submodule(down), cols=kept))
    setattr(model.config, key, keep)  # type: ignore[arg-type]
    return keep


def _replace(root: Any, name: str, module: Any) -> None:
    owner, _, attribute = name.rpartition(".")
    setattr(root.get_submodule(owner) if owner else root, attribute, module)


@register_variant
class FfnPrune(VariantBuilder):
    name = "prune-ffn"
    options_used = ()
    description = (
        "Structured pruning: removes the S share of feed-forward neurons in every layer (smallest "
        "weight norms), so it is faster and smaller; loses accuracy without retraining."
    )
    value_kind = SPARSITY

    def is_compatible(self, record: Any, model: Any) -> tuple[bool, str]:
        ok, reason = super().is_compatible(record, model)
        if ok and ffn_pairs(model) is None:
            return False, (
                f"{self.step} needs transformer layers with a plain Linear feed-forward block; "
                f"{type(model).__name__} of {record.id!r} has none it recognises. Use prune:S or drop-layers:K."
            )
        return ok, reason

    def build(self, ctx: BuildContext) -> Built:
        model = fresh_copy(ctx)
        key = ffn_size_key(model.config)
        before = getattr(model.config, key)  # type: ignore[arg-type]
        after = prune_ffn_neurons(model, float(self.value))  # type: ignore[arg-type]
        model.save_pretrained(str(ctx.folder))
        note = f"feed-forward neurons per layer {before} -> {after}, no retraining"
        return Built(model, {"ffn_neurons_before": before, "ffn_neurons_after": after, "note": note})
