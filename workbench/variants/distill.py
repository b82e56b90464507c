"""``distill:K``: a K-layer student cut from the teacher (``drop-layers:K``) and trained on the user's
data against the teacher's softened outputs plus the true labels, to win back what dropping lost.

The teacher's logits are computed once, before training (cheaper than running the teacher every step),
and travel with each example; the HF ``Trainer`` does the rest (``distill_trainer``, imported on use).
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

from workbench.errors import SpecError
from workbench.progress import ProgressEvent
from workbench.variants.base import LAYERS, BuildContext, Built, VariantBuilder, register_variant
from workbench.variants.layers import check_layer_count, choose_layers, fresh_copy, keep_layers, layer_count

EVALS_PER_EPOCH = 2


def _sample(ds: Any, max_rows: int | None, seed: int) -> Any:
    """A stratified sample of ``max_rows`` rows (the validation side of a seeded split)."""
    from workbench.data import split_dataset

    if not max_rows or max_rows >= len(ds):
        return ds
    return split_dataset(ds, max_rows / len(ds), 0.0, seed)[1]


def teacher_features(ctx: BuildContext, ds: Any) -> list[dict[str, Any]]:
    """Tokenized examples with their true labels and the teacher's logits."""
    from workbench.data import PreprocessSpec
    from workbench.inference.predict import run_batches
    from workbench.training.trainer import encode_dataset

    teacher = ctx.parent
    features = encode_dataset(
        teacher.task,
        teacher.tokenizer,
        ds,
        teacher.labels,
        teacher.record.max_length,
        PreprocessSpec(**teacher.record.preprocess) if teacher.record.preprocess else PreprocessSpec(),
    )
    inputs = [{k: v for k, v in f.items() if k != "labels"} for f in features]
    logits = run_batches(teacher.model, teacher.tokenizer, inputs, batch_size=64, progress=ctx.progress)
    for feature, row in zip(features, logits, strict=True):
        feature["teacher_logits"] = row.tolist()
    return features


def _arguments(ctx: BuildContext, output_dir: str, n_train: int) -> Any:
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import training_arguments

    spec = ctx.spec
    train_spec = TrainSpec(
        train_data=ctx.data.source or "data",  # type: ignore[union-attr]
        epochs=spec.epochs,
        learning_rate=spec.learning_rate,
        batch_size=spec.batch_size,
        seed=spec.seed,
        max_minutes=spec.max_minutes,
        evals_per_epoch=EVALS_PER_EPOCH,
    )
    args = training_arguments(train_spec, ctx.parent.task, output_dir, n_train)
    args.remove_unused_columns = False  # keep teacher_logits in the batches
    args.label_names = ["labels"]
    return args


@register_variant
class Distill(VariantBuilder):
    name = "distill"
    description = (
        "A K-layer student initialised from the teacher's layers and trained on your data against the "
        "teacher's soft labels (+ true labels): as fast as drop-layers:K, most of the accuracy back."
    )
    value_kind = LAYERS
    needs_data = True
    options_used = (
        "layer_choice", "epochs", "learning_rate", "batch_size", "temperature", "alpha",
        "max_minutes", "max_rows", "val_fraction", "seed",
    )  # fmt: skip

    def is_compatible(self, record: Any, model: Any) -> tuple[bool, str]:
        from workbench.tasks import get_task

        ok, reason = super().is_compatible(record, model)
        if ok and get_task(record.task).distill_loss() is None:
            return False, f"{self.step}: no distillation loss for task {record.task!r}."
        return check_layer_count(record, model, str(self.step), self.value) if ok else (ok, reason)

    def build(self, ctx: BuildContext) -> Built:
        if ctx.data is None:
            raise SpecError(
                f"{self.step} trains a student on your data: give a labelled training file "
                "(--data FILE --text-col C --label-col L, or data=... from Python)."
            )
        from workbench.data import split_dataset

        spec = ctx.spec
        data = _sample(ctx.data, spec.max_rows, spec.seed)
        train_ds, val_ds, _ = split_dataset(data, spec.val_fraction, 0.0, spec.seed)
        ctx.progress(ProgressEvent(kind="log", message=f"teacher soft labels for {len(data):,} rows"))
        train_features, val_features = teacher_features(ctx, train_ds), teacher_features(ctx, val_ds)
        student = fresh_copy(ctx)
        indices = choose_layers(layer_count(student) or 0, int(self.value), spec.layer_choice)  # type: ignore[arg-type]
        keep_layers(student, indices).train()
        trainer, seconds, stop = self._train(ctx, student, train_features, val_features)
        model = trainer.model.eval()
        model.save_pretrained(str(ctx.folder))
        metric = ctx.parent.task.primary_metric
        teacher_val = self._teacher_metric(ctx, val_features)
        details = {
            "kept_layers": indices,
            "train_rows": len(train_ds),
            "validation_rows": len(val_ds),
            "steps": trainer.state.global_step,
            "seconds": round(seconds, 1),
            "stop_reason": stop,
            "temperature": spec.temperature,
            "alpha": spec.alpha,
            "data_fingerprint": ctx.data.fingerprint,
            "validation": {"metric": metric, "student": trainer.state.best_metric, "teacher": teacher_val},
        }
        return Built(model, details)

    def _train(self, ctx: BuildContext, student: Any, train: list, val: list) -> tuple[Any, float, str]:
        import time

        from transformers import PrinterCallback

        from workbench.training.callbacks import WorkbenchCallback
        from workbench.variants.distill_trainer import DistillationTrainer, TeacherLogitsCollator

        task, labels = ctx.parent.task, ctx.parent.labels
        out = tempfile.mkdtemp(prefix="workbench-distill-")
        budget = ctx.spec.max_minutes * 60 if ctx.spec.max_minutes else None
        callback = WorkbenchCallback(ctx.progress, None, budget)
        trainer = DistillationTrainer(
            model=student,
            args=_arguments(ctx, out, len(train)),
            train_dataset=train,
            eval_dataset=sorted(val, key=lambda f: len(f["input_ids"])),
            processing_class=ctx.parent.tokenizer,
            data_collator=TeacherLogitsCollator(task.data_collator(ctx.parent.tokenizer)),
            compute_metrics=lambda p: task.metrics(p.predictions, p.label_ids, labels)[0],
            callbacks=[callback],
            distill_loss=task.distill_loss(),
            temperature=ctx.spec.temperature,
            alpha=ctx.spec.alpha,
        )
        trainer.remove_callback(PrinterCallback)  # core prints nothing; progress goes to the callback
        started = time.monotonic()
        try:
            trainer.train()
        finally:
            shutil.rmtree(out, ignore_errors=True)  # checkpoints (pickled optimizer state) never kept
        return trainer, time.monotonic() - started, callback.stop_reason or "completed"

    @staticmethod
    def _teacher_metric(ctx: BuildContext, val: list) -> float:
        import numpy as np

        task = ctx.parent.task
        logits = _stacked([np.asarray(f["teacher_logits"], dtype=float) for f in val], 0.0)
        targets = _stacked([np.asarray(f["labels"]) for f in val], -100)
        return float(task.metrics(logits, targets, ctx.parent.labels)[0][task.primary_metric])


def _stacked(rows: list[Any], fill: float) -> Any:
    """Rows as one array; per-token rows (texts of different lengths) padded with ``fill`` to the
    longest, as the Trainer pads its evaluation arrays."""
    import numpy as np

    if len({r.shape for r in rows}) <= 1:
        return np.stack(rows) if rows else np.zeros((0, 0))
    longest = max(len(r) for r in rows)
    out = np.full((len(rows), longest, *rows[0].shape[1:]), fill, dtype=rows[0].dtype)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out
