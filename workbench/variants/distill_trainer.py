"""The distillation losses (each task's entry names its own: ``Task.distill_loss``) and the HF
``Trainer`` that uses them (only ``compute_loss`` changes).

Imported when a student is trained, never at package import (it loads transformers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transformers import Trainer

DistillLoss = Callable[[Any, Any, Any, float, float], Any]


def classification_distill_loss(
    student: Any, teacher: Any, labels: Any, temperature: float, alpha: float
) -> Any:
    """Hinton et al.: T² · KL(teacher_T ‖ student_T) blended with cross-entropy on the true labels."""
    import torch.nn.functional as F

    soft = (
        F.kl_div(
            F.log_softmax(student / temperature, dim=-1),
            F.softmax(teacher / temperature, dim=-1),
            reduction="batchmean",
        )
        * temperature**2
    )
    return alpha * soft + (1 - alpha) * F.cross_entropy(student, labels.long())


def multilabel_distill_loss(student: Any, teacher: Any, labels: Any, temperature: float, alpha: float) -> Any:
    import torch

    bce = torch.nn.functional.binary_cross_entropy_with_logits
    soft = bce(student / temperature, torch.sigmoid(teacher / temperature)) * temperature**2
    return alpha * soft + (1 - alpha) * bce(student, labels.float())


def regression_distill_loss(student: Any, teacher: Any, labels: Any, temperature: float, alpha: float) -> Any:
    import torch.nn.functional as F

    student = student.view(-1)
    return alpha * F.mse_loss(student, teacher.view(-1)) + (1 - alpha) * F.mse_loss(
        student, labels.view(-1).float()
    )


def token_distill_loss(student: Any, teacher: Any, labels: Any, temperature: float, alpha: float) -> Any:
    """Per word: Hinton's T² · KL on the positions that carry a word's label (its first sub-token;
    the others and padding are -100, as in training) blended with cross-entropy on the true tags."""
    import torch.nn.functional as F

    keep = labels != -100
    if not bool(keep.any()):
        return student.sum() * 0.0  # a batch of empty sentences: nothing to learn, no NaN
    words, soft_targets = student[keep], teacher[keep]
    soft = (
        F.kl_div(
            F.log_softmax(words / temperature, dim=-1),
            F.softmax(soft_targets / temperature, dim=-1),
            reduction="batchmean",
        )
        * temperature**2
    )
    return alpha * soft + (1 - alpha) * F.cross_entropy(words, labels[keep].long())


class TeacherLogitsCollator:
    """The task's own collator for the inputs and labels, plus the teacher logits padded the same way
    (per-token logits get zero rows on padded positions, whose labels are -100 and never count)."""

    def __init__(self, base: Any) -> None:
        self.base = base

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        teacher = [f["teacher_logits"] for f in features]
        batch = self.base([{k: v for k, v in f.items() if k != "teacher_logits"} for f in features])
        if teacher and isinstance(teacher[0][0], list):  # per-token logits: pad to the batch's length
            length, width = batch["input_ids"].shape[1], len(teacher[0][0])
            padded = torch.zeros((len(teacher), length, width))
            for row, rows in enumerate(teacher):
                padded[row, : len(rows)] = torch.tensor(rows)
            batch["teacher_logits"] = padded
        else:
            batch["teacher_logits"] = torch.tensor(teacher, dtype=torch.float32)
        return batch


class DistillationTrainer(Trainer):
    """HF ``Trainer`` whose loss compares the student with the teacher logits stored in each batch."""

    def __init__(
        self, *args: Any, distill_loss: DistillLoss, temperature: float, alpha: float, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.distill_loss, self.temperature, self.alpha = distill_loss, temperature, alpha

    def compute_loss(
        self, model: Any, inputs: dict, return_outputs: bool = False, num_items_in_batch: Any = None
    ):
        inputs = dict(inputs)
        teacher, labels = inputs.pop("teacher_logits"), inputs.pop("labels")
        outputs = model(**inputs)
        loss = self.distill_loss(outputs.logits, teacher, labels, self.temperature, self.alpha)
        return (loss, outputs) if return_outputs else loss
