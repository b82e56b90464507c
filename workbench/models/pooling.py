"""How a sequence classifier turns token vectors into one text vector.

BERT's head classifies the first token (``[CLS]``) through its pooler layer. Sentence-transformers
models such as all-MiniLM-L6-v2 were trained to *average* the token vectors instead, and their
``[CLS]`` vector means little before fine-tuning. On Banking77, one epoch from all-MiniLM-L6-v2
reached 82.6 % test accuracy with mean pooling and 55.9 % with ``[CLS]``.

``mean`` pooling keeps the architecture's own class, so the folder stays a standard Hugging Face
checkpoint with the same weight names: the model's pooler module is swapped for ``MeanPooler`` (which
keeps the unused ``dense`` weights, so saving and loading stay clean) and ``config.workbench_pooling``
records the choice. Every workbench loader calls ``apply_pooling`` after loading. Other tools loading
the folder see a plain BERT classifier that pools ``[CLS]``; the model card says so.
"""

from __future__ import annotations

import functools
import json
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from workbench.errors import IncompatibleError

POOLING_MODES = ("auto", "mean", "native")
CONFIG_KEY = "workbench_pooling"

# The attention mask of the forward pass running in this thread, set by a pre-hook on the encoder
# just before its pooler runs. A context variable (not module state) keeps concurrent requests apart.
_MASK: ContextVar[Any] = ContextVar("workbench_attention_mask", default=None)


def _remember_mask(module: Any, args: tuple, kwargs: dict) -> None:
    mask = kwargs.get("attention_mask")
    if mask is None and len(args) > 1:
        mask = args[1]
    _MASK.set(mask)


@functools.cache
def mean_pooler_class() -> type:
    """``MeanPooler``, built on first use so that importing this module does not import torch."""
    import torch

    class MeanPooler(torch.nn.Module):
        """Average of the token vectors, padding excluded (as sentence-transformers pools)."""

        def __init__(self, original: Any) -> None:
            super().__init__()
            for name, child in original.named_children():  # same weight names as the original pooler
                self.add_module(name, child)

        def forward(self, hidden_states: Any, *args: Any, **kwargs: Any) -> Any:
            mask = _MASK.get()
            if mask is None or tuple(mask.shape) != tuple(hidden_states.shape[:2]):
                return hidden_states.mean(dim=1)
            weights = mask.to(hidden_states.dtype).unsqueeze(-1)
            return (hidden_states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)

    return MeanPooler


def _encoder(model: Any) -> Any:
    """The transformer under the head (through a peft wrapper too)."""
    if hasattr(model, "get_base_model"):
        model = model.get_base_model()
    base = getattr(model, "base_model", None)
    return base if base is not None and base is not model else model


def supports_mean(model: Any) -> tuple[bool, str]:
    """Mean pooling needs a pooler module between the encoder and a head as wide as the encoder."""
    encoder = _encoder(model)
    pooler = getattr(encoder, "pooler", None)
    hidden = getattr(getattr(model, "config", None), "hidden_size", None)
    head = getattr(model, "classifier", None)
    if (
        pooler is None
        or not isinstance(getattr(head, "in_features", None), int)
        or head.in_features != hidden
    ):
        return False, (
            f"mean pooling needs a BERT-style model (an encoder pooler feeding a linear head); "
            f"{type(model).__name__} pools its own way. Use pooling 'native' (or 'auto')."
        )
    return True, ""


def apply_pooling(model: Any, mode: str | None = None) -> Any:
    """Switch ``model`` to the pooling named by ``mode`` or, without one, by its config. Idempotent."""
    encoder = _encoder(model)
    if mode is None and encoder is model and getattr(encoder, "pooler", None) is not None:
        return model  # a bare encoder (AutoModel) loaded from a classifier's folder: no head to feed
    mode = mode or getattr(getattr(model, "config", None), CONFIG_KEY, None) or "native"
    if mode == "native":
        return model
    if mode != "mean":
        raise IncompatibleError(f"Unknown pooling {mode!r}; use one of: mean, native.")
    ok, why = supports_mean(model)
    if not ok:
        raise IncompatibleError(why)
    cls = mean_pooler_class()
    if not isinstance(encoder.pooler, cls):
        encoder.pooler = cls(encoder.pooler)
        encoder.register_forward_pre_hook(_remember_mask, with_kwargs=True)
    setattr(model.config, CONFIG_KEY, "mean")
    return model


def pooling_of(model: Any) -> str:
    return "mean" if isinstance(getattr(_encoder(model), "pooler", None), mean_pooler_class()) else "native"


def sentence_transformers_pooling(source: str) -> str | None:
    """``mean`` / ``cls`` / ... as a sentence-transformers folder declares it (``1_Pooling/config.json``
    listed in ``modules.json``); None for other folders and for hub ids not in the local cache."""
    folder = Path(source).expanduser()
    try:
        if folder.is_dir():
            modules_file = folder / "modules.json"
            modules = json.loads(modules_file.read_text()) if modules_file.is_file() else []
        else:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(source, "modules.json")
            if not isinstance(cached, str):
                return None
            folder = Path(cached).parent
            modules = json.loads(Path(cached).read_text())
        for module in modules:
            if str(module.get("type", "")).endswith("Pooling"):
                config_file = folder / str(module.get("path", "")) / "config.json"
                config = json.loads(config_file.read_text())
                for name in ("mean", "cls", "max", "lasttoken", "weightedmean"):
                    if config.get(f"pooling_mode_{name}_tokens") or config.get(f"pooling_mode_{name}_token"):
                        return name
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return None


def resolve_pooling(requested: str, source: str, model: Any) -> str:
    """``auto``: mean when the base model was trained for mean pooling and the architecture allows it,
    the architecture's own head otherwise; ``mean`` and ``native`` as asked (``apply_pooling`` refuses
    ``mean`` on a model that cannot do it)."""
    if requested != "auto":
        return requested
    if sentence_transformers_pooling(source) == "mean" and supports_mean(model)[0]:
        return "mean"
    return "native"
