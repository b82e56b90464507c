"""Sequence to sequence (translation): an encoder-decoder model (Marian/opus-mt, T5, BART...) learns
to produce the target text of each source text.

Training is the ``Seq2SeqTrainer`` with dynamic padding of inputs and targets
(``DataCollatorForSeq2Seq``); validation generates on a capped sample so it stays fast; evaluation is
sacreBLEU (BLEU, chrF, TER with their signatures) over generated texts (``model.generate``: transformers
5 has no translation pipeline). Head-only training does not apply: there is no classification head.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar

import numpy as np

from workbench.errors import IncompatibleError
from workbench.tasks import seq2seq_variants
from workbench.tasks.base import Prediction, Task, register_task

VALIDATION_SAMPLE = 64  # pairs generated at each validation during training
SEQ2SEQ_METHODS = ("full", "lora")


@register_task
class Seq2SeqTask(Task):
    name = "seq2seq"
    description = "Text to text (translation): generate the target text of each source text."
    problem_type = "seq2seq"
    primary_metric = "chrf"
    generates_text: ClassVar[bool] = True
    metric_scale: ClassVar[float] = 1.0  # sacreBLEU scores are already in points (0-100)
    comparison_columns: ClassVar[tuple[str, ...]] = ("bleu",)
    labels_are_classes: ClassVar[bool] = False  # targets are texts, not classes
    reads_parallel_columns: ClassVar[bool] = True
    pipeline_tag: ClassVar[str] = "translation"
    text_explainers: ClassVar[bool] = False  # explained per generated token (explain/seq2seq.py)

    def label_parser(self) -> Any:
        return None  # parallel data has its own reader (workbench.data.parallel)

    def auto_model_class(self) -> Any:
        from transformers import AutoModelForSeq2SeqLM

        return AutoModelForSeq2SeqLM

    def config_overrides(self, labels: list[str]) -> dict[str, Any]:
        return {}  # no label maps: the output vocabulary is the model's own

    def method_problem(self, method: str) -> str | None:
        if method in SEQ2SEQ_METHODS:
            return None
        if method == "head":
            return (
                "Head-only training does not apply to seq2seq models: they have no classification head "
                "to train on a frozen encoder. Use method 'full' or 'lora'."
            )
        return f"Method {method!r} is not available for seq2seq models yet. Use 'full' or 'lora'."

    def encode_examples(
        self,
        tokenizer: Any,
        frame: Any,
        texts: list[str],
        pairs: list[str] | None,
        labels: list[str],
        max_length: int,
    ) -> list[dict[str, Any]]:
        """Source ids as inputs, target ids (tokenised as targets) as ``labels``; nothing padded."""
        targets = [str(t) for t in frame["label"]]
        encoded = tokenizer(texts, text_target=targets, truncation=True, max_length=max_length)
        keys = [k for k in ("input_ids", "attention_mask", "labels") if k in encoded]
        return [{k: encoded[k][i] for k in keys} for i in range(len(texts))]

    def data_collator(self, tokenizer: Any) -> Any:
        from transformers import DataCollatorForSeq2Seq

        # targets are padded with -100 (ignored by the loss); the model shifts them into decoder inputs
        return DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100)

    def trainer_class(self) -> Any:
        from transformers import Seq2SeqTrainer

        return Seq2SeqTrainer

    def training_arguments_class(self) -> Any:
        from transformers import Seq2SeqTrainingArguments

        return Seq2SeqTrainingArguments

    def training_arguments_extra(self, max_length: int) -> dict[str, Any]:
        """Validation generates greedily (BLEU/chrF need text, not logits)."""
        return {"predict_with_generate": True, "generation_max_length": max_length, "generation_num_beams": 1}

    def validation_features(self, features: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
        """A seeded sample of at most ``VALIDATION_SAMPLE`` pairs: generating is slow on a CPU."""
        if len(features) <= VALIDATION_SAMPLE:
            return features
        return random.Random(seed).sample(features, VALIDATION_SAMPLE)

    def trainer_metrics(self, tokenizer: Any, labels: list[str]) -> Any:
        from workbench.evaluation.translation_metrics import corpus_scores

        def compute(prediction: Any) -> dict[str, float]:
            generated = (
                prediction.predictions[0]
                if isinstance(prediction.predictions, tuple)
                else prediction.predictions
            )
            hypotheses = _decode_ids(tokenizer, generated)
            references = _decode_ids(tokenizer, prediction.label_ids)
            scores, _ = corpus_scores(hypotheses, references)
            return {"bleu": scores["bleu"], "chrf": scores["chrf"]}

        return compute

    def probability_columns(self, labels: list[str]) -> list[str]:
        return []

    def encode_targets(self, values: list[Any], labels: list[str]) -> np.ndarray:
        return np.array([str(v) for v in values], dtype=object)

    def scores(self, logits: np.ndarray) -> np.ndarray:
        raise IncompatibleError("A seq2seq model generates text; it has no class scores.")

    def metrics(self, logits: np.ndarray, targets: np.ndarray, labels: list[str]):
        raise IncompatibleError("Seq2seq metrics need generated texts: use evaluate(loaded, ds).")

    def decode(self, logits: np.ndarray, labels: list[str]) -> list[Prediction]:
        raise IncompatibleError("A seq2seq model generates text: use predict(model, texts).")

    def predict(
        self, loaded: Any, texts: Any, pairs: Any, *, batch_size: int, progress: Any, generation: Any = None
    ) -> list[Prediction]:
        """One generated text per source; ``score`` is its tokens' mean probability."""
        from workbench.inference.generation import generate_texts

        outputs, scores = generate_texts(
            loaded.model,
            loaded.tokenizer,
            loaded.prepare_texts(texts),
            generation,
            max_length=loaded.record.max_length,
            batch_size=batch_size,
            progress=progress,
        )
        return [Prediction(label=text, score=score) for text, score in zip(outputs, scores, strict=True)]

    def evaluate(
        self,
        loaded: Any,
        ds: Any,
        *,
        batch_size: int,
        progress: Any,
        generation: Any = None,
        tokenize: str = "13a",
    ) -> tuple[dict, dict, Any]:
        from workbench.evaluation.summary_metrics import rouge_scores
        from workbench.evaluation.translation_metrics import corpus_scores, sentence_chrf, worst_examples

        sources, references = ds.texts, [str(t) for t in ds.frame["label"]]
        predictions = self.predict(
            loaded, sources, None, batch_size=batch_size, progress=progress, generation=generation
        )
        hypotheses = [p.label for p in predictions]
        metrics, signatures = corpus_scores(hypotheses, references, tokenize)
        metrics |= rouge_scores(hypotheses, references)  # summarisation reads ROUGE; cheap to add
        chrf = sentence_chrf(hypotheses, references)
        rows = ds.frame["row"].tolist()
        details = {
            "signatures": signatures,
            "per_example": [
                {"row": r, "chrf": c, "translation": h}
                for r, c, h in zip(rows, chrf, hypotheses, strict=True)
            ],
            "worst": worst_examples(sources, hypotheses, references, rows, chrf),
        }
        return metrics, details, None

    def comparison_metrics(self, loaded: Any, ds: Any, logits: np.ndarray) -> dict[str, float]:
        if logits is not None and len(logits) == len(ds) and all(isinstance(p, Prediction) for p in logits):
            return seq2seq_variants.generated_metrics(ds, logits)  # the generations the comparison timed
        return self.evaluate(loaded, ds, batch_size=16, progress=lambda event: None)[0]

    # variants: see seq2seq_variants (decoder layers dropped, teacher-forced reload check, generation timed)
    def variant_problem(self, variant: str) -> str | None:
        return seq2seq_variants.variant_problem(variant)

    def layer_stack(self, model: Any) -> tuple[Any, str, str] | None:
        return seq2seq_variants.decoder_layer_stack(model)

    def forward_outputs(
        self, model: Any, tokenizer: Any, features: list[dict], *, batch_size: int
    ) -> np.ndarray:
        return seq2seq_variants.teacher_forced_logits(model, tokenizer, features, batch_size=batch_size)

    def prediction_outputs(
        self, model: Any, tokenizer: Any, features: list[dict], *, batch_size: int
    ) -> np.ndarray:
        return seq2seq_variants.generated_outputs(model, tokenizer, features, batch_size=batch_size)

    def comparison_scores(self, logits: np.ndarray) -> np.ndarray:
        return seq2seq_variants.generation_scores(logits)

    def comparison_agreement(self, outputs: np.ndarray, reference: np.ndarray) -> float | None:
        return seq2seq_variants.identical_share(outputs, reference)

    def format_report(self, metrics: dict[str, float], details: dict[str, Any]) -> str:
        from workbench.evaluation.translation_metrics import format_translation_report

        return format_translation_report(metrics, details)

    def json_report(self, details: dict[str, Any]) -> dict[str, Any]:
        return {k: details[k] for k in ("signatures", "worst", "per_example") if k in details}


def _decode_ids(tokenizer: Any, ids: Any) -> list[str]:
    """Token ids (padded with -100 by the Trainer) to stripped texts."""
    array = np.asarray(ids)
    array = np.where(array < 0, tokenizer.pad_token_id, array)
    return [text.strip() for text in tokenizer.batch_decode(array, skip_special_tokens=True)]
