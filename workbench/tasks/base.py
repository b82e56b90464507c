"""The task contract: everything that differs between task types lives behind it.

A task decides the model head, how a canonical dataset becomes model inputs and targets, the loss
set-up, the metrics and what a prediction looks like. Callers (trainer, evaluation, prediction, the
UI) only talk to this interface, so token classification or seq2seq can be added as new entries in
the registry without changing them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from workbench.errors import SpecError

if TYPE_CHECKING:
    from workbench.data.labels import LabelParser
    from workbench.evaluation.calibration import ProbabilityKind


@dataclass
class Prediction:
    """One model output. ``label`` is a str (single-label), a list of str (multi-label) or a float
    (regression); ``score`` is the confidence of that label (the value itself for regression)."""

    label: Any
    score: float
    probabilities: dict[str, float] = field(default_factory=dict)
    entities: list[dict[str, Any]] | None = None  # token classification: character spans

    def to_dict(self) -> dict[str, Any]:
        out = {"label": self.label, "score": self.score, "probabilities": self.probabilities}
        if self.entities is not None:
            out["entities"] = self.entities
        return out


class Task(ABC):
    """One task type. Subclasses are registered by ``name`` in ``workbench.tasks.TASKS``."""

    name: ClassVar[str]
    description: ClassVar[str]
    problem_type: ClassVar[str]
    primary_metric: ClassVar[str]
    greater_is_better: ClassVar[bool] = True
    predicts_entities: ClassVar[bool] = False  # token classification: spans, not one label per text
    predicts_value: ClassVar[bool] = False  # regression: a number, no classes, never right or wrong
    labels_independent: ClassVar[bool] = False  # multi-label: one sigmoid per label, not a softmax
    generates_text: ClassVar[bool] = False  # seq2seq: the prediction is a generated text
    metric_scale: ClassVar[float] = 100.0  # metric x this = points (1: the metric is already in points)
    # metrics the variants' comparison shows beside the headline one (seq2seq: BLEU beside chrF)
    comparison_columns: ClassVar[tuple[str, ...]] = ()
    # training may soften the one-hot target of a row's single class (HF ``label_smoothing_factor``);
    # it means nothing for label sets, numbers, tags or generated text
    supports_label_smoothing: ClassVar[bool] = False
    # the model card's Hugging Face pipeline tag (what the Hub's widget and search call the task)
    pipeline_tag: ClassVar[str] = "text-classification"
    # one output row per text (class probabilities or a value) that the text explainers (SHAP,
    # occlusion...) attribute to tokens; False where the task explains through its own path
    # (entities per tag, generated text per step)
    text_explainers: ClassVar[bool] = True

    # --- data: what the data layer (workbench.data) asks of this task's files and labels ---
    # splits keep each class's share, so the checks ask for at least 2 rows of every class
    stratify_split: ClassVar[bool] = False
    # its data is one tag per word: token files (CoNLL, tokens JSONL, span files), CoNLL when unsniffed
    reads_token_files: ClassVar[bool] = False
    # its data is source/target pairs: two columns of a table, or two aligned text files
    reads_parallel_columns: ClassVar[bool] = False
    # a label names classes (one per row, or a set of them): the one-class, unknown-label and
    # conflicting-label checks apply; False for numbers, tag sequences and target texts
    labels_are_classes: ClassVar[bool] = True

    def label_parser(self) -> LabelParser | None:
        """How a table's label column becomes canonical label values (the text as the class by
        default); None: this task's data is not a text/label table, it has a reader of its own."""
        from workbench.data.labels import parse_classes

        return parse_classes

    def label_classes(self, value: Any) -> tuple[str, ...]:
        """The classes one canonical label value names (one; multi-label: its set)."""
        return (value,)

    def count_labels(self, labels: Any) -> dict[str, int]:
        """Examples per label for the data report ({} when labels are not classes)."""
        from workbench.data.labels import count_classes

        return count_classes(labels, self.label_classes) if self.labels_are_classes else {}

    def method_problem(self, method: str) -> str | None:
        """Why the training method ``method`` does not apply to this task (None: it does)."""
        return None

    def trainer_class(self) -> Any:
        """The Hugging Face trainer class this task trains with."""
        from transformers import Trainer

        return Trainer

    def training_arguments_class(self) -> Any:
        from transformers import TrainingArguments

        return TrainingArguments

    def training_arguments_extra(self, max_length: int) -> dict[str, Any]:
        """Task-specific ``TrainingArguments`` (seq2seq: validate by generating)."""
        return {}

    def validation_features(self, features: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
        """The validation features evaluated during training (all of them unless that is slow)."""
        return features

    def trainer_metrics(self, tokenizer: Any, labels: list[str]) -> Any:
        """The Trainer's ``compute_metrics`` for this task."""

        def compute(prediction: Any) -> dict[str, float]:
            predictions = prediction.predictions
            logits = predictions[0] if isinstance(predictions, tuple) else predictions
            return self.metrics(logits, prediction.label_ids, labels)[0]

        return compute

    # what a review queue of this task's models asks a person to check: "label" (one per text),
    # "entities" (character spans per text), or None (its models cannot suggest for review)
    review_kind: ClassVar[str | None] = None
    # what the Explain page explains for this task's models: "label" (the whole text's prediction),
    # "entity" (one predicted entity), or None (not offered there)
    explain_target: ClassVar[str | None] = None

    def auto_model_class(self) -> Any:
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def num_outputs(self, labels: list[str]) -> int:
        return len(labels)

    def config_overrides(self, labels: list[str]) -> dict[str, Any]:
        """Head settings stored in the model config (label maps travel with the model)."""
        return {
            "num_labels": self.num_outputs(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {name: i for i, name in enumerate(labels)},
            "problem_type": self.problem_type,
        }

    def tokenize(
        self, tokenizer: Any, texts: list[str], pairs: list[str] | None, max_length: int
    ) -> list[dict[str, list[int]]]:
        """Tokenize without padding: batches are padded to their own longest text later."""
        encoded = tokenizer(texts, pairs, truncation=True, max_length=max_length, padding=False)
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
        return [{k: encoded[k][i] for k in keys} for i in range(len(texts))]

    def calibration(self) -> ProbabilityKind | None:
        """How this task's logits become class probabilities, for temperature scaling and ECE;
        None when its outputs are not class probabilities (then nothing is calibrated)."""
        return None

    def encode_examples(
        self,
        tokenizer: Any,
        frame: Any,
        texts: list[str],
        pairs: list[str] | None,
        labels: list[str],
        max_length: int,
    ) -> list[dict[str, Any]]:
        """Training features (model inputs plus ``labels``) of the canonical rows ``frame``, whose
        (preprocessed) texts are ``texts``/``pairs``."""
        features = self.tokenize(tokenizer, texts, pairs, max_length)
        targets = self.encode_targets(frame["label"].tolist(), labels)
        for feature, target in zip(features, targets, strict=True):
            feature["labels"] = target.tolist()
        return features

    def data_collator(self, tokenizer: Any) -> Any:
        """Pads a training batch (inputs, and targets when they have a length)."""
        from transformers import DataCollatorWithPadding

        return DataCollatorWithPadding(tokenizer)

    def record_extra(self) -> dict[str, Any]:
        """Task facts saved in the model's metadata (e.g. how words were labelled)."""
        return {}

    def review_labels(self, labels: list[str]) -> list[str]:
        """What a reviewer picks from for this task's models (the model's labels by default)."""
        return list(labels)

    def probability_columns(self, labels: list[str]) -> list[str]:
        """Labels that get a ``prob_<label>`` column in prediction tables."""
        return list(labels)

    def predict(
        self, loaded: Any, texts: Any, pairs: Any, *, batch_size: int, progress: Any
    ) -> list[Prediction]:
        """Predictions of a loaded model for raw inputs (one per text)."""
        logits = loaded.logits(texts, pairs, batch_size=batch_size, progress=progress, calibrated=True)
        return self.decode(logits, loaded.labels)

    def evaluate(self, loaded: Any, ds: Any, *, batch_size: int, progress: Any) -> tuple[dict, dict, Any]:
        """``(metrics, details, logits)`` of a loaded model on a labelled dataset."""
        logits = loaded.logits(ds.texts, ds.text_pairs, batch_size=batch_size, progress=progress)
        targets = self.encode_targets(ds.frame["label"].tolist(), loaded.labels)
        metrics, details = self.metrics(logits, targets, loaded.labels)
        return metrics, details, logits

    def comparison_metrics(self, loaded: Any, ds: Any, logits: np.ndarray) -> dict[str, float]:
        """Headline metrics for the variants' comparison, from the logits it measured."""
        return self.metrics(
            logits, self.encode_targets(ds.frame["label"].tolist(), loaded.labels), loaded.labels
        )[0]

    def comparison_scores(self, logits: np.ndarray) -> np.ndarray:
        """Rows of scores two models are compared on (agreement, mean probability change)."""
        return self.scores(logits)

    # --- variants: what compressing, checking and timing a model of this task means ---

    def variant_problem(self, variant: str) -> str | None:
        """Why the variant family ``variant`` does not apply to this task's models (None: it does)."""
        return None

    def layer_stack(self, model: Any) -> tuple[Any, str, str] | None:
        """The blocks layer dropping cuts: ``(ModuleList, its path in model, config key of their
        count)``; None: the variants' generic search (an encoder's ``num_hidden_layers`` blocks)."""
        return None

    def forward_outputs(
        self, model: Any, tokenizer: Any, features: list[dict], *, batch_size: int
    ) -> np.ndarray:
        """Raw outputs of one forward pass per row: what a saved variant must reproduce after
        reloading and an export must match."""
        from workbench.inference.predict import run_batches

        return run_batches(model, tokenizer, features, batch_size=batch_size)

    def prediction_outputs(
        self, model: Any, tokenizer: Any, features: list[dict], *, batch_size: int
    ) -> np.ndarray:
        """The work a prediction does, one row per input: what comparisons time and score (logits;
        seq2seq: generated texts)."""
        return self.forward_outputs(model, tokenizer, features, batch_size=batch_size)

    def distill_loss(self) -> Any | None:
        """The loss a distilled student of this task learns from its teacher's logits
        (``workbench.variants.distill_trainer``); None: no student can be distilled."""
        return None

    def comparison_agreement(self, outputs: np.ndarray, reference: np.ndarray) -> float | None:
        """Share of rows where a variant says what its reference says (the same top class of the
        comparison scores by default); None: agreement means nothing here (numbers)."""
        a, b = self.comparison_scores(outputs), self.comparison_scores(reference)
        return float((a.argmax(axis=1) == b.argmax(axis=1)).mean())

    def format_report(self, metrics: dict[str, float], details: dict[str, Any]) -> str:
        """A task's own evaluation report for the CLI ("" = the generic metric list)."""
        return ""

    def json_report(self, details: dict[str, Any]) -> dict[str, Any]:
        """What ``evaluate --json`` adds beside the metrics."""
        return {}

    @abstractmethod
    def encode_targets(self, values: list[Any], labels: list[str]) -> np.ndarray:
        """Gold values from the canonical ``label`` column to the array the loss expects."""

    @abstractmethod
    def scores(self, logits: np.ndarray) -> np.ndarray:
        """Logits to what users read: probabilities, or the predicted value for regression."""

    @abstractmethod
    def metrics(
        self, logits: np.ndarray, targets: np.ndarray, labels: list[str]
    ) -> tuple[dict[str, float], dict[str, Any]]:
        """Headline metrics (flat numbers) and details (per-class tables, confusion matrix)."""

    @abstractmethod
    def decode(self, logits: np.ndarray, labels: list[str]) -> list[Prediction]:
        """Logits to one ``Prediction`` per row."""


TASKS: dict[str, type[Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    TASKS[cls.name] = cls
    return cls


def get_task(name: str) -> Task:
    try:
        return TASKS[name]()
    except KeyError:
        known = ", ".join(sorted(TASKS))
        raise SpecError(f"Unknown task {name!r}. Choose one of: {known}.") from None
