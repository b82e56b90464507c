"""Zero-shot label suggestions, so labelling can start before any model is fine-tuned.

Each text and each label (its short description if given, else its name) is embedded with a
sentence-embedding model (by default the offline all-MiniLM-L6-v2: mean pooling over tokens, then L2
norm); cosine similarity to the labels, divided by a temperature and soft-maxed, gives probabilities
that rank the queue by uncertainty like a real classifier would. Works fully offline.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.config import DEFAULT_MODEL_ALIAS, DEFAULT_MODEL_NAME
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.tasks import Prediction, get_task

DEFAULT_TEMPERATURE = 0.05
DEFAULT_BATCH_SIZE = 32
MAX_TOKENS = 256  # what all-MiniLM-L6-v2 was trained with


@dataclass(frozen=True)
class SentenceEncoder:
    """A loaded sentence-embedding model; shared read-only between sessions and threads."""

    name: str
    model: Any
    tokenizer: Any
    max_length: int = MAX_TOKENS

    def embed(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: ProgressCallback = no_progress,
        message: str = "embedding texts",
    ) -> np.ndarray:
        """Unit-length embeddings, one row per text, in input order (batches sorted by length)."""
        import torch

        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        total = (len(texts) + batch_size - 1) // batch_size
        with torch.inference_mode():
            for step, start in enumerate(range(0, len(texts), batch_size), start=1):
                idx = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                out[idx] = torch.nn.functional.normalize(pooled, dim=-1).float().numpy()
                progress(ProgressEvent(kind="step", step=step, total_steps=total, message=message))
        return out


_ENCODERS: dict[str, SentenceEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def get_encoder(source: str = DEFAULT_MODEL_ALIAS) -> SentenceEncoder:
    """The encoder for ``source`` ('default' or a local folder), loaded once per process.

    Loading happens under a lock: two sessions asking at once must not load two copies into a small
    Space's memory.
    """
    from workbench.models.loading import effective_max_length, load_pretrained, load_tokenizer, resolve_source

    path = resolve_source(source)
    with _ENCODERS_LOCK:
        if path not in _ENCODERS:
            from transformers import AutoModel

            model = load_pretrained(AutoModel, path)
            model.eval()
            tokenizer = load_tokenizer(path)
            limit = effective_max_length(tokenizer, model.config, MAX_TOKENS)
            _ENCODERS[path] = SentenceEncoder(encoder_name(source), model, tokenizer, limit)
        return _ENCODERS[path]


def encoder_name(source: str) -> str:
    """A short name for ``suggested_by``: ``all-MiniLM-L6-v2`` for the default, else the folder name."""
    if source == DEFAULT_MODEL_ALIAS:
        return DEFAULT_MODEL_NAME.split("/")[-1]
    return Path(source).name or source


def label_prompts(labels: Sequence[str], descriptions: Mapping[str, str] | None = None) -> list[str]:
    """What each label is compared with: its description, else its name with ``_``/``-`` as spaces."""
    descriptions = descriptions or {}
    return [descriptions.get(label) or label.replace("_", " ").replace("-", " ") for label in labels]


def similarity_logits(
    text_vectors: np.ndarray, label_vectors: np.ndarray, temperature: float = DEFAULT_TEMPERATURE
) -> np.ndarray:
    """Cosine similarity / temperature (vectors are unit length): the logits a softmax turns into
    suggestion probabilities. A low temperature spreads the narrow cosine range over [0, 1]."""
    return (text_vectors @ label_vectors.T) / temperature


def zero_shot_predictions(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    descriptions: Mapping[str, str] | None = None,
    temperature: float = DEFAULT_TEMPERATURE,
    encoder: SentenceEncoder | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback = no_progress,
) -> list[Prediction]:
    """One suggestion per text, shaped like a classifier's ``Prediction`` so the queue treats both alike."""
    if not texts:
        return []
    encoder = encoder or get_encoder()
    label_vectors = encoder.embed(label_prompts(labels, descriptions), batch_size=batch_size)
    text_vectors = encoder.embed(list(texts), batch_size=batch_size, progress=progress)
    logits = similarity_logits(text_vectors, label_vectors, temperature)
    return get_task("classification").decode(logits, list(labels))
