"""The prediction function SHAP calls: masked token-id rows in, one output row per input.

Every evaluation counts and costs as little as possible: rows come as id arrays (no re-tokenizing),
identical rows are evaluated once (within a call and across the calls for one text), masked spans are
turned into model inputs by a registered masking strategy, and the forward passes run in large
length-sorted batches under ``torch.inference_mode`` without padding when the lengths agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from explain.masker import MASKED, Encoding

RowBuilder = Callable[[np.ndarray, int], list[np.ndarray]]


def _replace_with_mask(rows: np.ndarray, mask_id: int) -> list[np.ndarray]:
    """Each hidden token becomes the mask token (shap's default for tokenizers with one)."""
    return list(np.where(rows == MASKED, mask_id, rows))


def _collapse_to_one_mask(rows: np.ndarray, mask_id: int) -> list[np.ndarray]:
    """Each run of hidden tokens becomes one mask token: shorter inputs, same information."""
    out = []
    for row in rows:
        hidden = row == MASKED
        follows_hidden = np.concatenate([[False], hidden[:-1]])
        kept = row[~(hidden & follows_hidden)]
        out.append(np.where(kept == MASKED, mask_id, kept))
    return out


def _remove(rows: np.ndarray, mask_id: int) -> list[np.ndarray]:
    """Hidden tokens are dropped altogether (``mask_token=""`` in shap)."""
    return [row[row != MASKED] for row in rows]


MASKING_STRATEGIES: dict[str, RowBuilder] = {
    "replace": _replace_with_mask,
    "collapse": _collapse_to_one_mask,
    "remove": _remove,
}


def output_transform(task_name: str, scale: str) -> Callable[[np.ndarray], np.ndarray]:
    """Logits to the explained scale. ``logit`` is the log-odds of each label's probability
    (additive and unsaturated); ``probability`` is what users read; regression explains the value."""
    from workbench.tasks import get_task

    task = get_task(task_name)
    if scale == "logit" and not task.predicts_value:
        # a sigmoid's logit is already the log-odds of its label
        return (lambda z: z) if task.labels_independent else log_odds
    return task.scores


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def log_odds(logits: np.ndarray) -> np.ndarray:
    """log(p_k / (1 - p_k)) for a softmax, computed without forming p (stable at p ≈ 1)."""
    n = logits.shape[1]
    if n == 1:
        return logits
    out = np.empty_like(logits, dtype=np.float64)
    for k in range(n):
        others = np.delete(logits, k, axis=1).astype(np.float64)
        top = others.max(axis=1)
        out[:, k] = logits[:, k] - (top + np.log(np.exp(others - top[:, None]).sum(axis=1)))
    return out


@dataclass
class PredictorStats:
    """What the explainer asked for versus what the model actually ran."""

    requested_rows: int = 0
    evaluated_rows: int = 0
    model_calls: int = 0
    tokens: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class MaskedRowPredictor:
    """Callable for shap: ``(n, L)`` masked id rows of the current text -> ``(n, outputs)``."""

    forward: Callable[[dict[str, np.ndarray]], np.ndarray]  # numpy inputs -> logits (explain.backends)
    transform: Callable[[np.ndarray], np.ndarray]
    mask_id: int
    strategy: str = "replace"
    batch_size: int = 256
    pad_id: int = 0
    input_names: tuple[str, ...] = ("input_ids", "attention_mask")
    encoding: Encoding | None = None
    stats: PredictorStats = field(default_factory=PredictorStats)
    _memo: dict[bytes, np.ndarray] = field(default_factory=dict, repr=False)

    def bind(self, encoding: Encoding) -> None:
        """Start a new text: rows are now derived from ``encoding`` (the memo is per text)."""
        self.encoding = encoding
        self._memo = {}

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """shap's entry point: outputs on the explained scale."""
        return self.transform(self.logits(rows))

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """Raw model outputs for masked rows of the bound text; each distinct row runs once."""
        rows = np.asarray(rows, dtype=np.int64)
        self.stats.requested_rows += len(rows)
        keys = [row.tobytes() for row in rows]
        missing = list(dict.fromkeys(k for k in keys if k not in self._memo))
        if missing:
            todo = np.stack([np.frombuffer(k, dtype=np.int64) for k in missing])
            for key, value in zip(missing, self._run_model(todo), strict=True):
                self._memo[key] = value
        return np.stack([self._memo[k] for k in keys])

    def _run_model(self, rows: np.ndarray) -> np.ndarray:
        """Forward passes over distinct rows: inputs built by the masking strategy, length-sorted."""
        inputs = MASKING_STRATEGIES[self.strategy](rows, self.mask_id)
        order = np.argsort([len(x) for x in inputs], kind="stable")
        outputs: list[np.ndarray] = [None] * len(inputs)  # type: ignore[list-item]
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            batch = self._arrays([inputs[i] for i in idx], rows[idx])
            logits = self.forward(batch)
            self.stats.model_calls += 1
            self.stats.tokens += int(batch["input_ids"].size)
            for j, value in zip(idx, logits, strict=True):
                outputs[j] = value
        self.stats.evaluated_rows += len(rows)
        return np.stack(outputs)

    def _arrays(self, inputs: list[np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
        """Model inputs; without padding (equal lengths) no attention mask is passed at all."""
        width = max(len(x) for x in inputs)
        ids = np.full((len(inputs), width), self.pad_id, dtype=np.int64)
        attention = np.zeros((len(inputs), width), dtype=np.int64)
        for i, x in enumerate(inputs):
            ids[i, : len(x)] = x
            attention[i, : len(x)] = 1
        batch = {"input_ids": ids}
        if "attention_mask" in self.input_names and not attention.all():
            batch["attention_mask"] = attention
        extra = self.encoding.extra if self.encoding else {}
        if "token_type_ids" in self.input_names and "token_type_ids" in extra:
            full = extra["token_type_ids"].astype(np.int64)
            if self.strategy == "replace":
                batch["token_type_ids"] = np.broadcast_to(full, ids.shape).copy()
            else:
                types = np.zeros_like(ids)
                for i, x in enumerate(inputs):
                    types[i, : len(x)] = _token_types(full, rows[i], len(x), self.strategy)
                batch["token_type_ids"] = types
        return batch


def _token_types(full: np.ndarray, row: np.ndarray, length: int, strategy: str) -> np.ndarray:
    """Segment ids follow the tokens that survive the masking strategy."""
    if strategy == "replace":
        return full
    hidden = row == MASKED
    if strategy == "remove":
        return full[~hidden]
    follows_hidden = np.concatenate([[False], hidden[:-1]])
    return full[~(hidden & follows_hidden)][:length]
