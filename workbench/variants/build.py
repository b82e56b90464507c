"""``build_variant``: apply a recipe step by step, each step a registry entry with its parent (lineage).

Every variant is written into a staging folder, published in one rename, then loaded back from disk
and checked against the model the builder had in memory: a variant that does not reproduce its own
predictions after saving is removed and reported, never left in the workspace.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from workbench.errors import IncompatibleError, ModelLoadError, SpecError
from workbench.models.registry import ModelRecord, Registry
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.variants.base import PROBE_TEXTS, VARIANTS, BuildContext, Built, get_builder
from workbench.variants.spec import VariantSpec, VariantStep, parse_variant_spec

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
RELOAD_TOLERANCE = 1e-5


def build_variant(
    model_id: str,
    variant: str | VariantSpec,
    *,
    data: Any = None,
    columns: Any = None,
    name: str | None = None,
    progress: ProgressCallback | None = None,
    registry: Registry | None = None,
) -> ModelRecord:
    """Build ``variant`` ("int8", "drop-layers:3", "distill:3+int8"...) of a workspace model.

    ``data`` (a path or DataFrame, with ``columns`` a ``ColumnMap``) is the training data of steps
    that train (distill). In a stack, earlier steps already built with the same recipe, options and
    data are reused; the last step is always built and named ``name`` if given.
    """
    spec = variant if isinstance(variant, VariantSpec) else parse_variant_spec(variant)
    registry, progress = registry or Registry(), progress or no_progress
    record = registry.get(model_id)
    refuse_inapplicable(record, spec)
    training = TrainingData(spec, record, data, columns)
    for i, step in enumerate(spec.steps):
        last = i == len(spec.steps) - 1
        reused = None if last else find_built(registry, record.id, step, spec, training)
        if reused is not None:
            progress(ProgressEvent(kind="log", message=f"reusing {reused.id} for {step}"))
            record = reused
            continue
        record = build_step(registry, record, step, spec, training, name if last else None, progress)
    return record


def refuse_inapplicable(record: ModelRecord, spec: VariantSpec) -> None:
    """Steps the model's task rules out, refused before any data is asked for or model loaded."""
    from workbench.tasks import get_task

    task = get_task(record.task)
    problems = [problem for step in spec.steps if (problem := task.variant_problem(step.name))]
    if problems:
        raise IncompatibleError(f"{record.id!r}: {problems[0]}", problems)


class TrainingData:
    """The training file of steps that train, checked up front, read only when a step needs it."""

    def __init__(self, spec: VariantSpec, record: ModelRecord, data: Any, columns: Any) -> None:
        needing = [str(s) for s in spec.steps if VARIANTS[s.name].needs_data]
        if needing and data is None:
            raise SpecError(
                f"{', '.join(needing)} trains on your data: give a labelled training file (--data FILE "
                "--text-col C --label-col L, or data=... and columns=ColumnMap(...) from Python)."
            )
        self.record, self.data, self.columns = record, data, columns
        self._dataset: Any = None

    def dataset(self) -> Any:
        if self._dataset is None and self.data is not None:
            from workbench.data import ColumnMap, load_dataset

            columns = self.columns or ColumnMap()
            self._dataset = load_dataset(
                self.data, columns, self.record.task, labels=self.record.labels or None
            )
        return self._dataset


def find_built(
    registry: Registry, parent_id: str, step: VariantStep, spec: VariantSpec, training: TrainingData
) -> ModelRecord | None:
    """An existing variant of ``parent_id`` made by the same step with the same options that step uses
    (e.g. drop-layers' layer_choice, every distill setting) and, if it trains, the same data."""
    builder = VARIANTS[step.name]
    wanted = builder.used_options(spec.options())
    for record in registry.list():
        recipe = record.recipe
        if record.parent != parent_id or record.kind != "variant" or recipe.get("step") != str(step):
            continue
        if builder.used_options(recipe.get("options") or {}) != wanted:
            continue
        if builder.needs_data and recipe.get("data_fingerprint") != training.dataset().fingerprint:
            continue
        return record
    return None


def build_step(
    registry: Registry,
    parent: ModelRecord,
    step: VariantStep,
    spec: VariantSpec,
    training: TrainingData,
    name: str | None,
    progress: ProgressCallback,
) -> ModelRecord:
    """Build one step on ``parent``, publish it, and check that it reloads identically."""
    from workbench.inference.predict import load_model

    builder = get_builder(step)
    loaded = load_model(parent.id, registry)  # a private copy: builders may not touch shared models
    builder.check(loaded.record, loaded.model)
    dataset = training.dataset() if builder.needs_data else None
    progress(ProgressEvent(kind="log", message=f"building {step} from {parent.id}"))
    staging = registry.staging_dir()
    started = time.monotonic()
    try:
        context = BuildContext(loaded, staging, spec, dataset, progress)
        built = builder.build(context)
        loaded.tokenizer.save_pretrained(str(staging))
        refuse_pickles(staging)
        record = registry.publish(staging, variant_record(loaded.record, builder, built, spec, name))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    record.extra["build_seconds"] = round(time.monotonic() - started, 1)
    texts = list(dataset.texts[:16]) if dataset is not None else list(PROBE_TEXTS)
    record.recipe["reload_check"] = check_reload(record, built, loaded, texts, registry)
    record.extra["calibration"] = recheck_calibration(parent, record, registry)
    registry.update(record)
    progress(ProgressEvent(kind="log", message=f"saved variant {record.id}"))
    return record


def variant_record(
    parent: ModelRecord, builder: Any, built: Built, spec: VariantSpec, name: str | None
) -> ModelRecord:
    step = builder.step
    chain = [*parent.recipe.get("chain", []), str(step)]
    recipe = {
        **built.details,
        "variant": step.name,
        "step": str(step),
        "value": step.value,
        "chain": chain,
        "root": parent.recipe.get("root", parent.id),
        "loader": builder.loader,
        "compute": built.details.get("compute_dtype", builder.compute),
        "options": spec.options(),
        "description": builder.description,
    }
    return ModelRecord(
        id=name or f"{parent.id}-{step.slug}",
        name=name or f"{parent.name} {step}",
        task=parent.task,
        labels=list(parent.labels),
        base_model=parent.base_model,
        method=parent.method,
        kind="variant",
        parent=parent.id,
        recipe=recipe,
        spec=parent.spec,
        preprocess=dict(parent.preprocess),
        max_length=parent.max_length,
        text_pair=parent.text_pair,
        dataset_fingerprint=parent.dataset_fingerprint,
        extra={"pooling": parent.extra.get("pooling", "native")},
    )


def recheck_calibration(parent: ModelRecord, record: ModelRecord, registry: Registry) -> dict[str, Any]:
    """The parent's temperature, kept only if a refit on the parent's validation texts confirms it."""
    from workbench.evaluation.model_calibration import recheck_for_variant
    from workbench.inference.predict import load_model

    variant = load_model(record.id, registry)
    return recheck_for_variant(parent, variant, registry.path(parent.id), registry.path(record.id))


def refuse_pickles(folder: Path) -> None:
    found = sorted(p.name for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES)
    if found:
        raise ModelLoadError(f"Refusing to save pickled files in a variant: {', '.join(found)}.")


def check_reload(
    record: ModelRecord, built: Built, parent: Any, texts: list[str], registry: Registry
) -> dict[str, Any]:
    """Predictions of the variant loaded from disk must equal those of the model the builder made."""
    from workbench.inference.predict import load_model, max_abs_difference

    reloaded = load_model(record.id, registry)
    features = reloaded.encode(texts)
    forward = reloaded.task.forward_outputs  # seq2seq: teacher-forced decoder logits
    before = forward(built.model, parent.tokenizer, features, batch_size=8)
    after = forward(reloaded.model, reloaded.tokenizer, features, batch_size=8)
    diff = max_abs_difference(before, after)
    if not diff <= RELOAD_TOLERANCE:
        registry.remove(record.id)
        raise ModelLoadError(
            f"The saved {record.recipe['step']} variant does not reproduce its predictions after "
            f"reloading (largest logit difference {diff:.3g}); it was removed. Please report this bug."
        )
    return {"rows": len(texts), "max_abs_logit_diff": diff}
