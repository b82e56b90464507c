"""Multi-label classification: any number of labels per text, one sigmoid per label (BCE loss)."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.evaluation.calibration import SIGMOID, ProbabilityKind
from workbench.evaluation.metrics import multilabel_metrics
from workbench.tasks.base import Prediction, Task, register_task

THRESHOLD = 0.5


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


@register_task
class MultiLabelTask(Task):
    name = "multilabel"
    description = "Several labels per text (gold labels separated by '|'), one sigmoid per label."
    problem_type = "multi_label_classification"
    primary_metric = "f1_micro"
    labels_independent = True

    def calibration(self) -> ProbabilityKind:
        return SIGMOID

    def label_parser(self) -> Any:
        """``"b| a"`` → ``("a", "b")``: a sorted set of the ``|``-separated labels."""
        from workbench.data.labels import parse_label_sets

        return parse_label_sets

    def label_classes(self, value: Any) -> tuple[str, ...]:
        return tuple(value)

    def encode_targets(self, values: list[Any], labels: list[str]) -> np.ndarray:
        index = {name: i for i, name in enumerate(labels)}
        targets = np.zeros((len(values), len(labels)), dtype=np.float32)
        for row, value in enumerate(values):
            for name in value:
                targets[row, index[str(name)]] = 1.0
        return targets

    def distill_loss(self) -> Any:
        from workbench.variants.distill_trainer import multilabel_distill_loss

        return multilabel_distill_loss

    def scores(self, logits: np.ndarray) -> np.ndarray:
        return sigmoid(logits)

    def comparison_agreement(self, outputs: np.ndarray, reference: np.ndarray) -> float | None:
        """Rows where both models choose the same label set."""
        a, b = self.comparison_scores(outputs), self.comparison_scores(reference)
        return float(((a >= THRESHOLD) == (b >= THRESHOLD)).all(axis=1).mean())

    def metrics(self, logits: np.ndarray, targets: np.ndarray, labels: list[str]):
        return multilabel_metrics(self.scores(logits), targets, labels, THRESHOLD)

    def decode(self, logits: np.ndarray, labels: list[str]) -> list[Prediction]:
        predictions = []
        for row in self.scores(logits):
            chosen = [name for name, p in zip(labels, row, strict=True) if p >= THRESHOLD]
            score = float(min(row[row >= THRESHOLD])) if chosen else float(1.0 - row.max())
            predictions.append(
                Prediction(
                    label=chosen,
                    score=score,
                    probabilities={name: float(p) for name, p in zip(labels, row, strict=True)},
                )
            )
        return predictions
