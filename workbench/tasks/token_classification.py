"""Token classification (named-entity recognition): one IOB2 tag per word, cross-entropy per token.

Words are labelled on their first sub-token; the other sub-tokens and the special tokens carry -100
and are ignored by the loss. The metrics are the CoNLL report (``workbench.evaluation.ner_metrics``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.errors import IncompatibleError
from workbench.tasks.base import Prediction, Task, register_task

LABEL_ALIGNMENT = "first-sub-token"


@register_task
class TokenClassificationTask(Task):
    name = "token-classification"
    description = "One tag per word (named entities: B-/I- per type, O outside), first sub-token labelled."
    problem_type = "token_classification"
    primary_metric = "f1"
    predicts_entities = True
    review_kind = "entities"
    explain_target = "entity"
    labels_are_classes = False  # a label is a tag sequence, checked by the token files' reader
    reads_token_files = True
    pipeline_tag = "token-classification"
    text_explainers = False  # explained per entity (explain/entities.py)

    def label_parser(self) -> Any:
        return None  # token files have their own reader (workbench.data.token_check)

    def count_labels(self, labels: Any) -> dict[str, int]:
        """Entities per type (``B-person I-person`` is one person)."""
        from workbench.data.tagging import entity_counts

        return entity_counts(labels)

    def auto_model_class(self) -> Any:
        from transformers import AutoModelForTokenClassification

        return AutoModelForTokenClassification

    def config_overrides(self, labels: list[str]) -> dict[str, Any]:
        overrides = super().config_overrides(labels)
        overrides.pop("problem_type")  # transformers' problem_type is a sequence-classification setting
        return overrides

    def encode_examples(
        self,
        tokenizer: Any,
        frame: Any,
        texts: list[str],
        pairs: list[str] | None,
        labels: list[str],
        max_length: int,
    ) -> list[dict[str, Any]]:
        from workbench.inference.entities import MODEL_KEYS, encode_words

        index = {name: i for i, name in enumerate(labels)}
        tags = [[index[t] for t in row] for row in frame["label"]]
        windows = encode_words(tokenizer, list(frame["tokens"]), max_length, tags)
        return [{k: w[k] for k in (*MODEL_KEYS, "labels") if k in w} for w in windows]

    def data_collator(self, tokenizer: Any) -> Any:
        from transformers import DataCollatorForTokenClassification

        return DataCollatorForTokenClassification(tokenizer)

    def record_extra(self) -> dict[str, Any]:
        return {"label_alignment": LABEL_ALIGNMENT, "tag_scheme": "IOB2"}

    def review_labels(self, labels: list[str]) -> list[str]:
        """Entity types (``person`` for ``B-person``/``I-person``), sorted: what a reviewer assigns."""
        from workbench.data.tagging import split_tag

        return sorted({kind for _, kind in (split_tag(t) or ("O", None) for t in labels) if kind})

    def probability_columns(self, labels: list[str]) -> list[str]:
        return []

    def encode_targets(self, values: list[Any], labels: list[str]) -> np.ndarray:
        index = {name: i for i, name in enumerate(labels)}
        return np.array([[index[t] for t in row] for row in values], dtype=object)

    def distill_loss(self) -> Any:
        from workbench.variants.distill_trainer import token_distill_loss

        return token_distill_loss

    def scores(self, logits: np.ndarray) -> np.ndarray:
        from workbench.inference.entities import softmax

        return softmax(logits)

    def metrics(self, logits: np.ndarray, targets: np.ndarray, labels: list[str]):
        """Padded ``(rows, positions, labels)`` logits against targets with -100 where no word starts
        (the Trainer's evaluation arrays): the entity metrics of the first sub-tokens."""
        from workbench.evaluation.ner_metrics import ner_metrics

        predicted = logits.argmax(axis=-1)
        gold_rows, pred_rows = [], []
        for pred, gold in zip(predicted, targets, strict=True):
            keep = np.asarray(gold) != -100
            gold_rows.append([labels[int(i)] for i in np.asarray(gold)[keep]])
            pred_rows.append([labels[int(i)] for i in pred[: len(keep)][keep]])
        return ner_metrics(gold_rows, pred_rows)

    def decode(self, logits: np.ndarray, labels: list[str]) -> list[Prediction]:
        raise IncompatibleError(
            "Token classification predicts one tag per word, not one per text: use predict_entities(model, texts)."
        )

    def predict_entities(self, loaded: Any, texts: list[str]) -> list[list[dict[str, Any]]]:
        """Entity spans per text (what the safety engine's ``entities`` rules ask a NER model for)."""
        from workbench.inference.entities import predict_entities

        return predict_entities(loaded, texts)

    def predict(
        self, loaded: Any, texts: Any, pairs: Any, *, batch_size: int, progress: Any
    ) -> list[Prediction]:
        """One prediction per text: ``entities`` the spans, ``label`` the entity types found."""
        from workbench.inference.entities import predict_entities

        found = predict_entities(loaded, list(texts), batch_size=batch_size, progress=progress)
        return [
            Prediction(
                label=sorted({e["label"] for e in entities}),
                score=min((e["score"] for e in entities), default=1.0),
                entities=entities,
            )
            for entities in found
        ]

    def evaluate(self, loaded: Any, ds: Any, *, batch_size: int, progress: Any) -> tuple[dict, dict, Any]:
        from workbench.evaluation.ner_metrics import ner_metrics
        from workbench.inference.entities import tags_of, word_probabilities

        words = list(ds.frame["tokens"])
        probabilities = word_probabilities(loaded, words, batch_size=batch_size, progress=progress)
        predicted = [tags_of(p, loaded.labels) for p in probabilities]
        metrics, details = ner_metrics(list(ds.frame["label"]), predicted, words)
        return metrics, details, None

    def comparison_metrics(self, loaded: Any, ds: Any, logits: np.ndarray) -> dict[str, float]:
        """Entity F1 from the word-level path (first sub-tokens, windows), as ``evaluate`` reports it."""
        return self.evaluate(loaded, ds, batch_size=32, progress=lambda event: None)[0]

    def comparison_scores(self, logits: np.ndarray) -> np.ndarray:
        """Every sub-token's tag probabilities, texts one after another."""
        return np.concatenate([self.scores(np.asarray(row, dtype=float)) for row in logits])

    def format_report(self, metrics: dict[str, float], details: dict[str, Any]) -> str:
        from workbench.evaluation.ner_metrics import format_conll_report

        return format_conll_report(metrics, details)

    def json_report(self, details: dict[str, Any]) -> dict[str, Any]:
        keys = ("entity_report", "token_report", "type_confusion", "missed", "spurious")
        return {k: details[k] for k in keys if k in details}
