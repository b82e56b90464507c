"""Regression: one number per text (or text pair), MSE loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.evaluation.metrics import regression_metrics
from workbench.tasks.base import Prediction, Task, register_task


@register_task
class RegressionTask(Task):
    name = "regression"
    description = "A number per text (e.g. a rating or similarity score), mean-squared-error loss."
    problem_type = "regression"
    primary_metric = "mse"
    greater_is_better = False
    predicts_value = True
    labels_are_classes = False

    def label_parser(self) -> Any:
        """Numbers; a label that is not a finite number is an error naming its rows."""
        from workbench.data.labels import parse_numbers

        return parse_numbers

    def num_outputs(self, labels: list[str]) -> int:
        return 1

    def config_overrides(self, labels: list[str]) -> dict[str, Any]:
        return {
            "num_labels": 1,
            "id2label": {0: "value"},
            "label2id": {"value": 0},
            "problem_type": "regression",
        }

    def encode_targets(self, values: list[Any], labels: list[str]) -> np.ndarray:
        return np.asarray(values, dtype=np.float32)

    def distill_loss(self) -> Any:
        from workbench.variants.distill_trainer import regression_distill_loss

        return regression_distill_loss

    def scores(self, logits: np.ndarray) -> np.ndarray:
        return logits.reshape(len(logits), -1)[:, :1]

    def metrics(self, logits: np.ndarray, targets: np.ndarray, labels: list[str]):
        return regression_metrics(self.scores(logits)[:, 0], targets)

    def comparison_agreement(self, outputs: np.ndarray, reference: np.ndarray) -> float | None:
        return None  # numbers agree by degree: the comparison shows their mean absolute difference

    def decode(self, logits: np.ndarray, labels: list[str]) -> list[Prediction]:
        values = self.scores(logits)[:, 0]
        return [Prediction(label=float(v), score=float(v), probabilities={}) for v in values]
