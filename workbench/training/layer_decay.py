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


def lr_scales(names: list[str], decay: float) -> dict[str, float]:
    """Each name's share of the peak learning rate: the head 1, layer ``i`` of ``n``
    ``decay ** (n - i)``, the embeddings ``decay ** (n + 1)``. ``n`` is the number of layers seen."""
    layers = {name: int(m.group(1)) for name in names if (m := _LAYER.search(name))}
    n = max(layers.values()) + 1 if layers else 0
    scales = {}
    for name in names:
        if name in layers:
            scales[name] = decay ** (n - layers[name])
        elif _EMBEDDING.search(name):
            scales[name] = decay ** (n + 1)
        else:
            scales[name] = 1.0
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
    """One log line: the learning rate of the head, the top layer and the embeddings."""
    scales = lr_scales(names, decay)
    layers = sorted({int(m.group(1)) for name in names if (m := _LAYER.search(name))})
    parts = [f"head {lr:.2g}"]
    if layers:
        bottom = lr * decay ** (layers[-1] + 1 - layers[0])
        parts.append(f"layer {layers[-1]} {lr * decay:.2g} ... layer {layers[0]} {bottom:.2g}")
    embedding = [s for n, s in scales.items() if _EMBEDDING.search(n) and not _LAYER.search(n)]
    if embedding:
        parts.append(f"embeddings {lr * embedding[0]:.2g}")
    return f"layer-wise learning-rate decay {decay:g}: " + ", ".join(parts)
