"""Fine-tuning with the Hugging Face ``Trainer`` (we never hand-write the loop).

Speed on a CPU comes from dynamic padding (each batch padded to its own longest text), length-grouped
batches, and a length-sorted validation set. Progress, cancel and time budget go through
``WorkbenchCallback``; the final metrics come from the same ``evaluate_dataset`` path as
``workbench evaluate``, on the saved files (reloaded from the staging folder before it is published),
so the two always agree and a model is never listed without its metrics.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.config import DEFAULT_MODEL_ALIAS
from workbench.data import ColumnMap, PreprocessSpec, TextDataset, load_dataset, read_table, split_dataset
from workbench.errors import SpecError
from workbench.inference.predict import LoadedModel
from workbench.models.loading import (
    effective_max_length,
    load_config,
    load_pretrained,
    load_tokenizer,
    resolve_source,
)
from workbench.models.pooling import apply_pooling, pooling_of, resolve_pooling
from workbench.models.registry import ModelRecord, Registry
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.tasks import Task, get_task
from workbench.tasks.seq2seq_langs import force_target_language, set_training_languages
from workbench.training.distributed import is_main_process, placement, placement_arguments
from workbench.training.methods import count_parameters, get_method
from workbench.training.spec import TrainSpec


@dataclass
class TrainResult:
    status: str  # completed | early_stopped | budget | cancelled
    model_id: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    train_seconds: float = 0.0
    samples_per_second: float = 0.0
    record: ModelRecord | None = None


@dataclass
class PreparedData:
    task: Task
    labels: list[str]
    train: TextDataset
    val: TextDataset
    test: TextDataset | None
    warnings: list[str]


def preprocess_spec(spec: TrainSpec) -> PreprocessSpec:
    return PreprocessSpec(lowercase=spec.lowercase, strip_html=spec.strip_html, mask_pii=spec.mask_pii)


def prepare_data(spec: TrainSpec, tokenizer: Any, max_length: int) -> PreparedData:
    """Load and validate the files, then carve validation/test splits when no eval file is given."""
    columns = ColumnMap(text=spec.text_col, label=spec.label_col, text_pair=spec.text_pair_col)
    eval_texts = None
    if spec.eval_data:  # only its texts, for the train/eval leakage warning
        eval_frame = read_table(spec.eval_data)
        eval_texts = set(eval_frame[spec.text_col]) if spec.text_col in eval_frame else None
    train = load_dataset(
        spec.train_data,
        columns,
        spec.task,
        tokenizer=tokenizer,
        max_length=max_length,
        eval_texts=eval_texts,
        target_file=spec.target_data,
    )
    test = None
    if spec.eval_data:
        eval_ds = load_dataset(
            spec.eval_data,
            columns,
            train.task,
            labels=train.labels,
            tokenizer=tokenizer,
            max_length=max_length,
            needs_split=False,
        )
    else:
        train, eval_ds, test = split_dataset(train, spec.val_fraction or 0.1, spec.test_fraction, spec.seed)
    warnings = list(dict.fromkeys(train.report.warnings + eval_ds.report.warnings))
    return PreparedData(get_task(train.task), train.labels, train, eval_ds, test, warnings)


def encode_dataset(
    task: Task,
    tokenizer: Any,
    ds: TextDataset,
    labels: list[str],
    max_length: int,
    preprocess: PreprocessSpec,
) -> list[dict[str, Any]]:
    from workbench.data import apply_preprocess

    texts = apply_preprocess(ds.texts, preprocess)
    pairs = apply_preprocess(ds.text_pairs, preprocess) if ds.text_pairs is not None else None
    return task.encode_examples(tokenizer, ds.frame, texts, pairs, labels, max_length)


def build_model(spec: TrainSpec, source: str, task: Task, labels: list[str], tokenizer: Any) -> Any:
    model = load_pretrained(
        task.auto_model_class(),
        source,
        allow_pickle=spec.allow_pickle,
        trust_remote_code=spec.trust_remote_code,
        ignore_mismatched_sizes=True,
        **task.config_overrides(labels),
    )
    model.config.pad_token_id = tokenizer.pad_token_id
    apply_pooling(model, resolve_pooling(spec.pooling, source, model))
    if spec.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    return get_method(spec.method).prepare(model, spec)


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    return max(1, -(-n_train // batch_size))


def training_arguments(
    spec: TrainSpec, task: Task, output_dir: str, n_train: int, max_length: int = 128
) -> Any:
    per_epoch = steps_per_epoch(n_train, spec.batch_size)
    eval_every = max(1, per_epoch // spec.evals_per_epoch)
    lr = spec.learning_rate or get_method(spec.method).default_learning_rate
    return task.training_arguments_class()(
        output_dir=output_dir,
        per_device_eval_batch_size=max(64, spec.batch_size),
        num_train_epochs=spec.epochs,
        learning_rate=lr,
        warmup_steps=spec.warmup_ratio,
        weight_decay=spec.weight_decay,
        lr_scheduler_type="linear",
        eval_strategy="steps",
        eval_steps=eval_every,
        save_strategy="steps",
        save_steps=eval_every,
        save_total_limit=2,
        load_best_model_at_end=spec.keep == "best",
        label_smoothing_factor=spec.label_smoothing,
        metric_for_best_model=task.primary_metric,
        greater_is_better=task.greater_is_better,
        logging_steps=max(1, min(50, eval_every // 5)),
        train_sampling_strategy="group_by_length",
        seed=spec.seed,
        data_seed=spec.seed,
        report_to="none",  # trackers are added as callbacks (workbench.training.tracking)
        **placement_arguments(placement(spec)),
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataloader_pin_memory=False,
        **task.training_arguments_extra(max_length),
    )


def _trainer_class(spec: TrainSpec, progress: ProgressCallback, task: Task) -> Any:
    """The task's HF trainer (``Trainer``, ``Seq2SeqTrainer``), or with ``layer_lr_decay`` below 1 one
    that builds its optimiser from per-layer learning-rate groups (everything else stays the Trainer's)."""
    Trainer = task.trainer_class()

    if spec.layer_lr_decay >= 1.0:
        return Trainer

    from workbench.training.layer_decay import describe, parameter_groups

    class LayerDecayTrainer(Trainer):
        def create_optimizer(self, model: Any = None) -> Any:
            if self.optimizer is None:
                opt_model = self.model if model is None else model
                optimizer_cls, kwargs = self.get_optimizer_cls_and_kwargs(self.args, opt_model)
                groups = parameter_groups(
                    opt_model,
                    self.args.learning_rate,
                    spec.layer_lr_decay,
                    self.args.weight_decay,
                    set(self.get_decay_parameter_names(opt_model)),
                )
                self.optimizer = optimizer_cls(groups, **kwargs)
                names = [n for n, p in opt_model.named_parameters() if p.requires_grad]
                message = describe(names, self.args.learning_rate, spec.layer_lr_decay)
                progress(ProgressEvent(kind="log", message=message))
            return self.optimizer

    return LayerDecayTrainer


def _last_checkpoint(output_dir: str) -> str | None:
    checkpoints = sorted(Path(output_dir).glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    return str(checkpoints[-1]) if checkpoints else None


def recorded_base_model(spec: TrainSpec, source: str) -> str:
    """What the record names as base: ``default`` or a hub id as given, a local folder as an absolute
    path (a relative one means nothing once the working directory changes)."""
    if spec.base_model == DEFAULT_MODEL_ALIAS or not Path(source).is_dir():
        return spec.base_model
    return source


def trained_record(
    spec: TrainSpec, data: PreparedData, source: str, max_length: int, is_adapter: bool, stats: dict
) -> ModelRecord:
    return ModelRecord(
        id=spec.name or f"{Path(spec.train_data).stem}-{spec.method}",
        name=spec.name or Path(spec.train_data).stem,
        task=data.task.name,
        labels=data.labels,
        base_model=recorded_base_model(spec, source),
        method=spec.method,
        spec=spec.to_dict(),
        preprocess=preprocess_spec(spec).to_dict(),
        max_length=max_length,
        text_pair=bool(spec.text_pair_col),
        dataset_fingerprint=data.train.fingerprint,
        adapter=is_adapter,
        extra={
            "train": stats,
            "base_source": source,
            "pooling": stats.get("pooling", "native"),
            **data.task.record_extra(),
            **base_licence(source),
        },
    )


def base_licence(source: str) -> dict[str, str]:
    """The base model's licence from its card (a local folder), kept in the record: the workbench
    replaces the card, so this is the only place the licence survives."""
    from workbench.models.licence import LICENCE_KEY, card_licence

    licence = card_licence(source) if Path(source).is_dir() else None
    return {LICENCE_KEY: licence} if licence else {}


def load_staged(record: ModelRecord, folder: Path) -> LoadedModel:
    """A saved-but-unpublished model, loaded exactly as ``load_model`` will load it once listed."""
    from workbench.inference.loaders import LOADERS, loader_name, trust_remote_code

    model = LOADERS[loader_name(record)](record, folder)
    model.eval()
    tokenizer = load_tokenizer(str(folder), trust_remote_code(record))
    return LoadedModel(
        record=record, model=model, tokenizer=tokenizer, task=get_task(record.task), path=folder
    )


def fit_calibration(spec: TrainSpec, loaded: LoadedModel, data: PreparedData, folder: Path) -> Any:
    """Fit the temperature on the validation split (stored in the record, read by ``LoadedModel``);
    returns the raw validation logits, which the final metrics reuse."""
    from workbench.evaluation.model_calibration import (
        calibration_off,
        fit_model_calibration,
        write_calibration_set,
    )

    if loaded.task.calibration() is None:
        return None  # no class probabilities (regression, seq2seq): nothing to calibrate
    raw = loaded.logits(data.val.texts, data.val.text_pairs, calibrated=False)
    calibration = (
        fit_model_calibration(loaded, data.val, raw)
        if spec.calibrate
        else calibration_off("turned off (--no-calibration)")
    )
    if calibration is not None:
        loaded.record.extra["calibration"] = calibration
        write_calibration_set(folder, loaded, data.val)
    return raw


def store_reference_profile(loaded: LoadedModel, data: PreparedData, folder: Path) -> None:
    """Keep the validation predictions and the training vocabulary that served traffic is compared with."""
    from workbench.evaluation.reference_profile import build_profile, write_profile

    profile = build_profile(loaded, data.val.texts, data.val.text_pairs, data.train.texts, "training")
    write_profile(folder, profile)


def final_metrics(loaded: LoadedModel, data: PreparedData, raw_val_logits: Any = None) -> tuple[dict, dict]:
    """Metrics of the saved model on validation (and test) data, via the public evaluation path."""
    from workbench.evaluation.evaluate import evaluate_dataset

    result = evaluate_dataset(loaded, data.val, raw_logits=raw_val_logits)
    metrics, details = dict(result.metrics), {"validation": result.details}
    if data.test is not None:
        test = evaluate_dataset(loaded, data.test)
        metrics.update({f"test_{k}": v for k, v in test.metrics.items()})
        details["test"] = test.details
    return metrics, details


def save_trained(
    spec: TrainSpec,
    trainer: Any,
    tokenizer: Any,
    data: PreparedData,
    source: str,
    max_length: int,
    registry: Registry,
    stats: dict[str, Any],
    progress: ProgressCallback = no_progress,
) -> ModelRecord:
    """Save into a staging folder, measure the saved files, then publish folder and metrics in one
    rename: a crash anywhere before that leaves nothing listed and no staging folder behind."""
    staging = registry.staging_dir()
    try:
        is_adapter = get_method(spec.method).save(trainer.model, str(staging), spec)
        tokenizer.save_pretrained(str(staging))
        record = trained_record(spec, data, source, max_length, is_adapter, stats)
        progress(ProgressEvent(kind="log", message="evaluating the saved model"))
        staged = load_staged(record, staging)
        raw_val_logits = fit_calibration(spec, staged, data, staging)
        if "calibration" in record.extra:
            from workbench.evaluation.calibration import describe

            progress(ProgressEvent(kind="log", message=describe(record.extra["calibration"])))
        record.metrics, record.details = final_metrics(staged, data, raw_val_logits)
        if "calibration" in record.extra:  # a task with class probabilities: monitoring compares with it
            store_reference_profile(staged, data, staging)
        return registry.publish(staging, record)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _stop_reason(callback: Any, early_stopping: Any, state: Any) -> str:
    """completed | early_stopped (no validation gain for ``patience`` evaluations) | budget | cancelled."""
    if callback.stop_reason:
        return callback.stop_reason
    if callback.fitted_steps and state.global_step >= callback.fitted_steps:
        return "budget"  # the schedule was shortened to fit the time budget
    if (
        early_stopping is not None
        and state.global_step < state.max_steps
        and early_stopping.early_stopping_patience_counter >= early_stopping.early_stopping_patience
    ):
        return "early_stopped"
    return "completed"


def train(
    spec: TrainSpec,
    *,
    progress: ProgressCallback = no_progress,
    cancel: Any = None,
    output_dir: str | None = None,
    resume: bool = False,
    registry: Registry | None = None,
    on_trained: Callable[[Any, Any], None] | None = None,
) -> TrainResult:
    """Fine-tune ``spec.base_model`` on ``spec.train_data`` and publish the model to the registry.

    ``cancel`` is a callable polled every step; when it returns True a checkpoint is saved to
    ``output_dir`` and the result has status ``cancelled`` (resume with ``resume=True``).
    ``on_trained(model, tokenizer)`` sees the trained model in memory (best checkpoint loaded) just
    before it is saved, e.g. to compare it with what reloads from disk; it must not modify it.
    """
    from transformers import (
        EarlyStoppingCallback,
        PrinterCallback,
        set_seed,
    )

    from workbench.training.averaging import SAMPLES_PER_EPOCH, WeightAveraging
    from workbench.training.distributed import progress_callback
    from workbench.training.tracking import check_tracker, tensorboard_dir, tracking_callbacks

    registry = registry or Registry()
    check_tracker(spec.report_to)
    where = placement(spec)
    source = resolve_source(spec.base_model)
    tokenizer = load_tokenizer(source, spec.trust_remote_code)
    max_length = effective_max_length(tokenizer, load_config(source, spec.trust_remote_code), spec.max_length)
    progress(ProgressEvent(kind="log", message="loading and checking data"))
    data = prepare_data(spec, tokenizer, max_length)
    if spec.label_smoothing and not data.task.supports_label_smoothing:
        raise SpecError(
            f"label_smoothing applies to single-label classification; this is a {data.task.name} task."
            " Set it to 0."
        )
    method_problem = data.task.method_problem(spec.method)
    if method_problem:
        raise SpecError(method_problem)
    for warning in data.warnings:
        progress(ProgressEvent(kind="log", message=f"warning: {warning}"))
    pre = preprocess_spec(spec)
    languages = set_training_languages(tokenizer, spec.source_lang, spec.target_lang)  # NLLB/M2M codes
    train_features = encode_dataset(data.task, tokenizer, data.train, data.labels, max_length, pre)
    val_features = sorted(
        data.task.validation_features(
            encode_dataset(data.task, tokenizer, data.val, data.labels, max_length, pre), spec.seed
        ),
        key=lambda f: len(f["input_ids"]),
    )
    set_seed(spec.seed)  # the new head (and LoRA matrices) start the same whatever ran before
    model = build_model(spec, source, data.task, data.labels, tokenizer)
    if languages:
        force_target_language(model, tokenizer, spec.target_lang)
    trainable, total = count_parameters(model)
    progress(
        ProgressEvent(kind="log", message=f"training {trainable:,} of {total:,} parameters ({spec.method})")
    )
    temp_dir = None if output_dir else tempfile.mkdtemp(prefix="workbench-train-")
    out = output_dir or temp_dir
    callback = progress_callback(progress, cancel, spec.max_minutes * 60 if spec.max_minutes else None)
    callbacks: list[Any] = [callback, *get_method(spec.method).callbacks(spec)]
    run_name = Path(output_dir).parent.name if output_dir else Path(out).name
    tb_dir = tensorboard_dir(output_dir) if output_dir else Path(out) / "tensorboard"
    callbacks += tracking_callbacks(spec.report_to, tb_dir)
    early_stopping = None
    if spec.early_stopping_patience:
        early_stopping = EarlyStoppingCallback(early_stopping_patience=spec.early_stopping_patience)
        callbacks.append(early_stopping)
    averaging = None
    if spec.keep == "average":
        per_epoch = steps_per_epoch(len(train_features), spec.batch_size)
        averaging = WeightAveraging(every=per_epoch // SAMPLES_PER_EPOCH)
        callbacks.append(averaging)
    args = training_arguments(spec, data.task, out, len(train_features), max_length)
    args.run_name = run_name  # the run folder's id in MLflow / W&B
    trainer = _trainer_class(spec, progress, data.task)(
        model=model,
        args=args,
        train_dataset=train_features,
        eval_dataset=val_features,
        processing_class=tokenizer,
        data_collator=data.task.data_collator(tokenizer),
        compute_metrics=data.task.trainer_metrics(tokenizer, data.labels),
        callbacks=callbacks,
    )
    trainer.remove_callback(PrinterCallback)  # core prints nothing; progress goes to the callback
    started = time.monotonic()
    try:
        output = trainer.train(resume_from_checkpoint=_last_checkpoint(out) if resume else None)
        seconds = time.monotonic() - started
        if callback.stop_reason == "cancelled":
            return TrainResult(
                status="cancelled", model_id=None, warnings=data.warnings, train_seconds=seconds
            )
        if not is_main_process():  # rank 0 saves, evaluates and publishes the model
            return TrainResult(status="completed", model_id=None, train_seconds=seconds)
        stats = {
            "seconds": round(seconds, 1),
            # what was trained, not HF's figure: that counts the planned steps even when the time
            # budget shortened the schedule (it reported 115 samples/s for a run that did 89)
            "samples_per_second": round(float(trainer.state.epoch or 0) * len(train_features) / seconds, 2),
            "trainable_parameters": trainable,
            "total_parameters": total,
            "steps": output.global_step,
            "train_rows": len(data.train),
            "validation_rows": len(data.val),
            "stop_reason": _stop_reason(callback, early_stopping, trainer.state),
            "pooling": pooling_of(trainer.model),
            "placement": where.to_dict(),
        }
        if averaging is not None:
            stats["averaged_weights"] = averaging.count
            stats["averaged_from_step"] = averaging.first_step
            progress(ProgressEvent(kind="log", message=averaging.describe()))
        if callback.fitted_steps:
            stats["planned_steps"] = callback.planned_steps
            stats["budget_fitted_steps"] = callback.fitted_steps
        if on_trained is not None:
            on_trained(trainer.model, tokenizer)
        record = save_trained(spec, trainer, tokenizer, data, source, max_length, registry, stats, progress)
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)
    progress(
        ProgressEvent(
            kind="done",
            step=output.global_step,
            total_steps=output.global_step,
            metrics=record.metrics,
            elapsed_seconds=seconds,
        )
    )
    return TrainResult(
        status=stats["stop_reason"],
        model_id=record.id,
        metrics=record.metrics,
        details=record.details,
        warnings=data.warnings,
        train_seconds=seconds,
        samples_per_second=float(stats["samples_per_second"] or 0.0),
        record=record,
    )
