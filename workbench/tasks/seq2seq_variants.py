"""What compressing and measuring a seq2seq model means (the seq2seq task's variant hooks).

A saved variant must reproduce its parent's *teacher-forced* decoder logits (one forward pass, exact,
cheap); comparisons time and score *generation* (greedy), since that is what a translation costs.
Layer dropping cuts the decoder: it runs once per generated token, so it dominates generation time
(the known speed-up for Marian/opus-mt), while the encoder runs once per sentence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.tasks.base import Prediction

SEQ2SEQ_VARIANTS = ("int8", "drop-layers", "merged-lora", "onnx-int8")
DECODER_LAYER_KEYS = ("decoder_layers", "num_decoder_layers")  # Marian/BART/M2M, T5


def variant_problem(variant: str) -> str | None:
    if variant in SEQ2SEQ_VARIANTS:
        return None
    return (
        f"{variant} does not apply to seq2seq (translation) models yet. "
        f"Use one of: {', '.join(SEQ2SEQ_VARIANTS)} (drop-layers:K keeps K decoder layers)."
    )


def decoder_layer_stack(model: Any) -> tuple[Any, str, str] | None:
    """``(decoder blocks, their path, config key)`` of an encoder-decoder model, or None."""
    import torch

    get_decoder = getattr(model, "get_decoder", None)
    config = getattr(model, "config", None)
    if get_decoder is None or config is None:
        return None
    decoder = get_decoder()
    counts = {
        key: getattr(config, key) for key in DECODER_LAYER_KEYS if isinstance(getattr(config, key, None), int)
    }
    prefix = next((name for name, module in model.named_modules() if module is decoder), None)
    if prefix is None:
        return None
    for name, child in decoder.named_children():
        if not isinstance(child, torch.nn.ModuleList):
            continue
        for key, count in counts.items():
            if len(child) == count:
                return child, f"{prefix}.{name}" if prefix else name, key
    return None


def teacher_forced_logits(model: Any, tokenizer: Any, features: list[dict], *, batch_size: int) -> np.ndarray:
    """Decoder logits with the source itself (shifted right) as decoder input: a fixed, generation-free
    function of every weight of encoder and decoder, one array per row (its own length)."""
    import torch

    from workbench.inference.predict import _stacked

    config = model.config
    start = config.decoder_start_token_id
    start = tokenizer.pad_token_id if start is None else start
    outputs: list[np.ndarray] = []
    with torch.inference_mode():
        for first in range(0, len(features), batch_size):
            chunk = features[first : first + batch_size]
            batch = tokenizer.pad([{"input_ids": f["input_ids"]} for f in chunk], return_tensors="pt")
            ids = batch["input_ids"]
            decoder_ids = torch.cat([torch.full((len(chunk), 1), int(start)), ids[:, :-1]], dim=1)
            logits = model(
                input_ids=ids, attention_mask=batch["attention_mask"], decoder_input_ids=decoder_ids
            ).logits
            logits = logits.float().numpy()
            outputs += [logits[row, : len(f["input_ids"])] for row, f in enumerate(chunk)]
    return _stacked(outputs)


def generated_outputs(model: Any, tokenizer: Any, features: list[dict], *, batch_size: int) -> np.ndarray:
    """Greedy generations (``Prediction``: text and mean token probability), one per row."""
    from workbench.inference.generation import GenerationSpec, generate_encoded

    encoded = [f["input_ids"] for f in features]
    texts, scores = generate_encoded(model, tokenizer, encoded, GenerationSpec(), batch_size=batch_size)
    out = np.empty(len(texts), dtype=object)
    out[:] = [Prediction(label=t, score=s) for t, s in zip(texts, scores, strict=True)]
    return out


def generation_scores(outputs: np.ndarray) -> np.ndarray:
    return np.array([p.score for p in outputs], dtype=float)


def identical_share(outputs: np.ndarray, reference: np.ndarray) -> float:
    """Share of sources translated exactly as the reference translates them."""
    if len(outputs) == 0:
        return float("nan")
    return float(np.mean([a.label == b.label for a, b in zip(outputs, reference, strict=True)]))


def generated_metrics(ds: Any, outputs: np.ndarray) -> dict[str, float]:
    """BLEU/chrF/TER of generations against the data's references."""
    from workbench.evaluation.translation_metrics import corpus_scores

    references = [str(t) for t in ds.frame["label"]]
    return corpus_scores([p.label for p in outputs], references)[0]
