"""Token classification at inference: words → sub-token windows → one tag per word → entities.

Each word is labelled by its **first sub-token** (the choice training makes, recorded in the model's
metadata). Sentences longer than the model's limit are cut into overlapping windows; a word seen in
two windows takes the prediction from the window where it sits farthest from an edge (most context).
Entities come back as character spans over the caller's text, ``{start, end, label, score, text}``,
named as transformers' token-classification pipeline names them with ``aggregation_strategy="first"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.data.tagging import OUTSIDE, entities_of
from workbench.data.token_files import join_words, split_words
from workbench.progress import ProgressCallback, ProgressEvent, no_progress

IGNORE = -100
MODEL_KEYS = ("input_ids", "attention_mask", "token_type_ids")


def window_stride(max_length: int) -> int:
    """Sub-tokens two neighbouring windows share."""
    return max(1, min(64, max_length // 4))


def encode_words(
    tokenizer: Any,
    sentences: Sequence[Sequence[str]],
    max_length: int,
    tags: Sequence[Sequence[int]] | None = None,
) -> list[dict[str, Any]]:
    """Windows of sub-tokens for each sentence (``sentence`` and ``word_ids`` say what they hold);
    with ``tags`` (label ids per word) each window gets ``labels``: the word's id on its first
    sub-token, -100 on the others and on special tokens."""
    if not sentences:
        return []
    encoded = tokenizer(
        [list(s) for s in sentences],
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
        stride=window_stride(max_length),
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    keys = [k for k in MODEL_KEYS if k in encoded]
    features = []
    for i in range(len(encoded["input_ids"])):
        sentence = int(encoded["overflow_to_sample_mapping"][i])
        word_ids = encoded.word_ids(i)
        first = first_subtokens(word_ids, encoded["offset_mapping"][i])
        feature: dict[str, Any] = {k: encoded[k][i] for k in keys}
        feature["sentence"], feature["word_ids"], feature["first"] = sentence, word_ids, first
        if tags is not None:
            feature["labels"] = [
                tags[sentence][w] if f else IGNORE for w, f in zip(word_ids, first, strict=True)
            ]
        features.append(feature)
    return features


def first_subtokens(word_ids: Sequence[int | None], offsets: Sequence[tuple[int, int]]) -> list[bool]:
    """Which positions hold the first sub-token of a word. Inside a window a new word id means a
    new word; the window's first token may continue a word cut by the window edge, which its offset
    inside the word (not 0) gives away."""
    out, previous, seen_content = [], None, False
    for word, (start, _) in zip(word_ids, offsets, strict=True):
        is_first = word is not None and word != previous and (seen_content or start == 0)
        out.append(is_first)
        seen_content = seen_content or word is not None
        previous = word
    return out


def run_windows(
    model: Any, tokenizer: Any, features: list[dict[str, Any]], batch_size: int, progress: ProgressCallback
) -> list[np.ndarray]:
    """Logits per window (``(length, labels)``), length-sorted batches padded to their longest."""
    import torch

    order = np.argsort([len(f["input_ids"]) for f in features], kind="stable")
    outputs: list[np.ndarray] = [np.zeros((0, 0))] * len(features)
    total = (len(features) + batch_size - 1) // batch_size
    model.eval()
    with torch.inference_mode():
        for step, start in enumerate(range(0, len(order), batch_size), start=1):
            idx = order[start : start + batch_size]
            batch = tokenizer.pad(
                [{k: features[i][k] for k in MODEL_KEYS if k in features[i]} for i in idx],
                return_tensors="pt",
            )
            logits = model(**batch).logits.float().numpy()
            for row, i in enumerate(idx):
                outputs[i] = logits[row, : len(features[i]["input_ids"])]
            progress(ProgressEvent(kind="step", step=step, total_steps=total, message="predicting"))
    return outputs


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def word_probabilities(
    loaded: Any,
    sentences: Sequence[Sequence[str]],
    *,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
) -> list[np.ndarray]:
    """``(words, labels)`` probabilities per sentence; a word without sub-tokens (a zero-width
    character) is ``O`` with probability 1."""
    labels = loaded.labels
    features = encode_words(loaded.tokenizer, sentences, loaded.record.max_length)
    logits = run_windows(loaded.model, loaded.tokenizer, features, batch_size, progress)
    out = []
    for words in sentences:
        probs = np.zeros((len(words), len(labels)))
        probs[:, labels.index(OUTSIDE)] = 1.0
        out.append(probs)
    best_margin: dict[tuple[int, int], int] = {}
    for feature, window in zip(features, logits, strict=True):
        length = len(feature["word_ids"])
        for position, (word, first) in enumerate(zip(feature["word_ids"], feature["first"], strict=True)):
            if not first:
                continue
            margin = min(position, length - 1 - position)
            key = (feature["sentence"], word)
            if margin > best_margin.get(key, -1):
                best_margin[key] = margin
                out[feature["sentence"]][word] = softmax(window[position])
    return out


def tags_of(probabilities: np.ndarray, labels: Sequence[str]) -> list[str]:
    return [labels[i] for i in probabilities.argmax(axis=1)] if len(probabilities) else []


@dataclass(frozen=True)
class Words:
    """The words of one input and their character offsets in ``text``."""

    text: str
    words: list[str]
    offsets: list[tuple[int, int]]


def words_of_text(tokenizer: Any, text: str) -> Words:
    """Split raw text into words with the model's own pre-tokenizer (offsets in the original text)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    pre = getattr(backend, "pre_tokenizer", None)
    if pre is None:
        words, offsets = split_words(text)
        return Words(text, words, offsets)
    pieces = [(w, o) for w, o in pre.pre_tokenize_str(text) if w.strip()]
    return Words(text, [text[s:e] for _, (s, e) in pieces], [tuple(o) for _, o in pieces])  # type: ignore[misc]


def words_of_tokens(tokens: Sequence[str]) -> Words:
    words = [str(w) for w in tokens]
    text, offsets = join_words(words)
    return Words(text, words, offsets)


def entities_from(words: Words, probabilities: np.ndarray, labels: Sequence[str]) -> list[dict[str, Any]]:
    """Entities as character spans; the score is the mean of the words' chosen-tag probabilities."""
    tags = tags_of(probabilities, labels)
    word_scores = probabilities.max(axis=1) if len(probabilities) else np.zeros(0)
    out = []
    for entity in entities_of(tags):
        start, end = words.offsets[entity.start][0], words.offsets[entity.end - 1][1]
        out.append(
            {
                "start": int(start),
                "end": int(end),
                "label": entity.label,
                "score": round(float(word_scores[entity.start : entity.end].mean()), 6),
                "text": words.text[start:end],
            }
        )
    return out


def predict_entities(
    model: Any,
    texts: Sequence[str] | Sequence[Sequence[str]],
    *,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
) -> list[list[dict[str, Any]]]:
    """Entities of each input: ``{start, end, label, score, text}`` with ``text == input[start:end]``.

    ``model``: a registry model id or a loaded model. ``texts``: raw strings (split into words by the
    model's pre-tokenizer) or pre-tokenised inputs (lists of words; offsets then index the words
    joined by single spaces). Batched: pass many texts at once.
    """
    from workbench.inference.predict import MODEL_CACHE

    loaded = MODEL_CACHE.get(model) if isinstance(model, str) else model
    inputs = [words_of_text(loaded.tokenizer, t) if isinstance(t, str) else words_of_tokens(t) for t in texts]
    probabilities = word_probabilities(
        loaded, [w.words for w in inputs], batch_size=batch_size, progress=progress
    )
    return [entities_from(w, p, loaded.labels) for w, p in zip(inputs, probabilities, strict=True)]
