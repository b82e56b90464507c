"""Single-label classification (also sentence-pair classification: a second text column)."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.evaluation.calibration import SOFTMAX, ProbabilityKind
from workbench.evaluation.metrics import classification_metrics
from workbench.tasks.base import Prediction, Task, register_task


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@register_task
class ClassificationTask(Task):
    name = "classification"
    description = "One label per text (or text pair), cross-entropy loss."
    problem_type = "single_label_classification"
    primary_metric = "accuracy"
    review_kind = "label"
    explain_target = "label"
    supports_label_smoothing = True
    stratify_split = True

    def calibration(self) -> ProbabilityKind:
        return SOFTMAX

    def encode_targets(self, values: list[Any], labels: list[str]) -> np.ndarray:
        index = {name: i for i, name in enumerate(labels)}
        return np.array([index[str(v)] for v in values], dtype=np.int64)

    def distill_loss(self) -> Any:
        from workbench.variants.distill_trainer import classification_distill_loss

        return classification_distill_loss

    def scores(self, logits: np.ndarray) -> np.ndarray:
        return softmax(logits)

    def metrics(self, logits: np.ndarray, targets: np.ndarray, labels: list[str]):
        return classification_metrics(self.scores(logits), targets.astype(int), labels)

    def decode(self, logits: np.ndarray, labels: list[str]) -> list[Prediction]:
        probs = self.scores(logits)
        best = probs.argmax(axis=1)
        return [
            Prediction(
                label=labels[b],
                score=float(row[b]),
                probabilities={name: float(p) for name, p in zip(labels, row, strict=True)},
            )
            for row, b in zip(probs, best, strict=True)
        ]
