"""Text generation of encoder-decoder models (translation): the settings as a typed spec and batched,
length-sorted ``model.generate`` calls with progress.

Transformers 5 removed the ``translation`` pipelines, so this is the one place that turns source texts
into generated texts; evaluation, prediction and validation during training all go through it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from workbench.errors import SpecError
from workbench.progress import ProgressCallback, ProgressEvent, no_progress

DEFAULT_GENERATION_BATCH = 16
LANGUAGE_FIELDS = ("source_lang", "target_lang")


def _meta(help_text: str, minimum: float | None = None, maximum: float | None = None) -> dict[str, Any]:
    return {"help": help_text, "min": minimum, "max": maximum}


@dataclass(frozen=True)
class GenerationSpec:
    """How translations are generated. Greedy (one beam, no sampling) unless asked otherwise."""

    num_beams: int = field(default=1, metadata=_meta("Beam size; 1 = greedy (fastest).", 1, 16))
    max_new_tokens: int = field(
        default=128, metadata=_meta("Most tokens generated per text (longer outputs are cut).", 1, 1024)
    )
    length_penalty: float = field(
        default=1.0,
        metadata=_meta("Beam search only: above 1 favours longer outputs, below 1 shorter ones.", -5.0, 5.0),
    )
    no_repeat_ngram_size: int = field(
        default=0, metadata=_meta("Never repeat an n-gram of this size (0 = off).", 0, 10)
    )
    do_sample: bool = field(
        default=False, metadata={"help": "Sample instead of searching (not reproducible)."}
    )
    source_lang: str | None = field(
        default=None,
        metadata={"help": "NLLB/M2M: language code of the sources (eng_Latn, en); unset = as trained."},
    )
    target_lang: str | None = field(
        default=None,
        metadata={"help": "NLLB/M2M: language code to translate into (deu_Latn, de); unset = as trained."},
    )

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            low, high = f.metadata.get("min"), f.metadata.get("max")
            if isinstance(value, bool) or value is None or low is None:
                continue
            if isinstance(value, float) and not math.isfinite(value):
                problems.append(f"{f.name} must be a finite number, got {value}")
            elif not low <= value <= high:
                problems.append(f"{f.name} must be between {low:g} and {high:g}, got {value}")
        if self.length_penalty != 1.0 and self.num_beams == 1:
            problems.append(
                "length_penalty only acts in beam search: set num_beams above 1 or leave it at 1.0"
            )
        if problems:
            raise SpecError("Invalid generation settings: " + "; ".join(problems), problems)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def field_info(cls) -> dict[str, dict[str, Any]]:
        """Help, default and range per field, for the forms built from this spec (Translate page)."""
        return {
            f.name: {**f.metadata, "default": f.default, "label": f.name.replace("_", " ").capitalize()}
            for f in fields(cls)
        }

    def generate_kwargs(self, model: Any = None) -> dict[str, Any]:
        """Keyword arguments of ``model.generate``; with ``model``, ``max_new_tokens`` stays below its
        position table (Marian/BART have ``max_position_embeddings`` positions and fail past them)."""
        out = self.to_dict()
        for name in LANGUAGE_FIELDS:  # applied to the inputs and forced first token, see generate_texts
            out.pop(name)
        if not out["no_repeat_ngram_size"]:
            out.pop("no_repeat_ngram_size")
        if self.num_beams == 1:
            out.pop("length_penalty")
        positions = getattr(getattr(model, "config", None), "max_position_embeddings", None)
        if isinstance(positions, int) and out["max_new_tokens"] >= positions:
            out["max_new_tokens"] = positions - 1  # the decoder start token takes a position too
        return out


def generate_texts(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    spec: GenerationSpec | None = None,
    *,
    max_length: int = 512,
    batch_size: int = DEFAULT_GENERATION_BATCH,
    progress: ProgressCallback = no_progress,
) -> tuple[list[str], list[float]]:
    """``(generated texts, scores)`` in input order; a score is the generated tokens' mean probability
    (geometric), a rough confidence in ``(0, 1]``. Batches are length-sorted to pad little. With
    language codes (NLLB/M2M) the sources are encoded in ``spec.source_lang``."""
    from workbench.tasks.seq2seq_langs import check_languages, encode_with_language

    spec = spec or GenerationSpec()
    if check_languages(tokenizer, spec.source_lang, spec.target_lang):
        encoded = encode_with_language(tokenizer, texts, spec.source_lang, max_length)
    else:
        encoded = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    return generate_encoded(model, tokenizer, encoded, spec, batch_size=batch_size, progress=progress)


def generate_encoded(
    model: Any,
    tokenizer: Any,
    encoded: Sequence[Sequence[int]],
    spec: GenerationSpec | None = None,
    *,
    batch_size: int = DEFAULT_GENERATION_BATCH,
    progress: ProgressCallback = no_progress,
) -> tuple[list[str], list[float]]:
    """``generate_texts`` for sources already tokenised (``input_ids`` lists): what speed comparisons
    time, so that tokenising is not counted and every model gets the same ids."""
    import torch

    from workbench.tasks.seq2seq_langs import check_languages, language_token_id

    spec = spec or GenerationSpec()
    extra: dict[str, Any] = {}
    if check_languages(tokenizer, spec.source_lang, spec.target_lang):
        extra["forced_bos_token_id"] = language_token_id(tokenizer, spec.target_lang)
    order = np.argsort([len(ids) for ids in encoded], kind="stable")
    outputs: list[str] = [""] * len(encoded)
    scores: list[float] = [0.0] * len(encoded)
    total = max(1, -(-len(order) // batch_size))
    model.eval()
    with torch.inference_mode():
        for step, start in enumerate(range(0, len(order), batch_size), start=1):
            idx = order[start : start + batch_size]
            batch = tokenizer.pad([{"input_ids": list(encoded[i])} for i in idx], return_tensors="pt")
            result = model.generate(
                **batch,
                **spec.generate_kwargs(model),
                **extra,
                output_scores=True,
                return_dict_in_generate=True,
            )
            decoded = tokenizer.batch_decode(result.sequences, skip_special_tokens=True)
            confidence = _mean_probabilities(model, result, tokenizer.pad_token_id)
            for row, i in enumerate(idx):
                outputs[i], scores[i] = decoded[row].strip(), confidence[row]
            progress(ProgressEvent(kind="step", step=step, total_steps=total, message="generating"))
    return outputs, scores


def _mean_probabilities(model: Any, result: Any, pad_id: int | None) -> list[float]:
    """exp(mean log-probability) of each sequence's generated tokens (padding after the end ignored)."""
    import torch

    transition = model.compute_transition_scores(
        result.sequences, result.scores, getattr(result, "beam_indices", None), normalize_logits=True
    )
    generated = result.sequences[:, -transition.shape[1] :]
    keep = torch.isfinite(transition) & (generated != pad_id if pad_id is not None else True)
    totals = torch.where(keep, transition, torch.zeros_like(transition)).sum(dim=1)
    counts = keep.sum(dim=1).clamp(min=1)
    return [round(float(v), 6) for v in torch.exp(totals / counts)]
