"""Layer-wise learning-rate decay (``layer_lr_decay``): the head trains at the peak learning rate and each
layer below it at ``decay`` times the rate of the layer above, the embeddings lowest (as ELECTRA and
DeBERTa fine-tune). The lower layers hold the most general features and move least.

A parameter's depth comes from its name: ``...layer.3...`` (also ``layers``, ``h``, ``block``) is layer 3,
anything under ``embeddings`` (or ``embed_tokens``, ``wte``, ``wpe``) sits below layer 0, and the rest
(classifier, pooler, final norm) is the head. LoRA and other adapters keep their layer's depth.
"""

from __future__ import annotations

import re
from typing import Any

_LAYER = re.compile(r"\.(?:layer|layers|h|block|blocks)\.(\d+)\.")
_EMBEDDING = re.compile(r"(?:^|\.)(?:embeddings|embed_tokens|embed_positions|wte|wpe)(?:\.|$)")


def _layers(names: list[str]) -> dict[str, int | None]:
    """Each name's depth: its layer number, ``None`` for the embeddings below layer 0; the head
    (anything else) is left out."""
    depths: dict[str, int | None] = {}
    for name in names:
        if m := _LAYER.search(name):
            depths[name] = int(m.group(1))
        elif _EMBEDDING.search(name):
            depths[name] = None
    return depths


def lr_scales(names: list[str], decay: float) -> dict[str, float]:
    """Each name's share of the peak learning rate: the head 1, layer ``i`` of ``n``
    ``decay ** (n - i)``, the embeddings ``decay ** (n + 1)``. ``n`` is the number of layers seen."""
    depths = _layers(names)
    numbers = [d for d in depths.values() if d is not None]
    n = max(numbers) + 1 if numbers else 0
    scales = {}
    for name in names:
        depth = depths.get(name, n)  # the head sits one above the top layer
        scales[name] = decay ** (n + 1 if depth is None else n - depth)
    return scales


def parameter_groups(
    model: Any, lr: float, decay: float, weight_decay: float, decay_names: set[str]
) -> list[dict[str, Any]]:
    """Optimiser groups of the trainable parameters, one per (learning rate, weight decay) pair;
    ``decay_names`` are the parameters that take weight decay (the Trainer's choice: not biases
    or norms)."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    scales = lr_scales([n for n, _ in named], decay)
    groups: dict[tuple[float, float], list[Any]] = {}
    for name, param in named:
        key = (lr * scales[name], weight_decay if name in decay_names else 0.0)
        groups.setdefault(key, []).append(param)
    return [
        {"params": params, "lr": group_lr, "weight_decay": wd}
        for (group_lr, wd), params in sorted(groups.items(), reverse=True)
    ]


def describe(names: list[str], lr: float, decay: float) -> str:
    """One log line: the learning rate of the head, the top and bottom layers and the embeddings."""
    scales = lr_scales(names, decay)
    depths = _layers(names)
    layer_lr = {depth: lr * scales[name] for name, depth in depths.items() if depth is not None}
    parts = [f"head {lr:.2g}"]
    if layer_lr:
        top, bottom = max(layer_lr), min(layer_lr)
        parts.append(f"layer {top} {layer_lr[top]:.2g} ... layer {bottom} {layer_lr[bottom]:.2g}")
    embedding = [lr * scales[name] for name, depth in depths.items() if depth is None]
    if embedding:
        parts.append(f"embeddings {embedding[0]:.2g}")
    return f"layer-wise learning-rate decay {decay:g}: " + ", ".join(parts)
