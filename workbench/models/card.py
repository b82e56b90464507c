"""Generated model cards: a README.md with Hugging Face YAML metadata, so a pushed model is described.

The YAML follows the Hub's model card spec: ``base_model`` is a hub id (a local folder is not, so it is
named in the text instead), ``metrics`` lists metric ids, and each ``model-index`` result names its
task, dataset and metrics.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from workbench.config import DEFAULT_MODEL_ALIAS, DEFAULT_MODEL_NAME
from workbench.fsutil import atomic_write_text

if TYPE_CHECKING:
    from workbench.models.registry import ModelRecord

# Our metric names → metric ids on the Hub (https://hf.co/metrics); others keep their own name.
HUB_METRIC_IDS = {
    "accuracy": "accuracy",
    "subset_accuracy": "accuracy",
    "f1_macro": "f1",
    "f1_micro": "f1",
    "f1_weighted": "f1",
    "mse": "mse",
    "mae": "mae",
    "r2": "r_squared",
    "pearson": "pearsonr",
    "spearman": "spearmanr",
}
TEST_PREFIX = "test_"


def hub_base_model(base_model: str) -> str | None:
    """The Hub id of the base model, or None when it is a local folder (not a Hub id)."""
    if base_model == DEFAULT_MODEL_ALIAS:
        return DEFAULT_MODEL_NAME
    name = base_model.strip()
    if not name or name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name:
        return None
    if Path(name).expanduser().exists():
        return None
    return name


def hub_metric_id(name: str) -> str:
    return HUB_METRIC_IDS.get(name, name)


def _dataset_names(record: ModelRecord) -> tuple[str, str] | None:
    """(type, name) of the data the metrics were measured on, from the training spec."""
    source = record.spec.get("eval_data") or record.spec.get("train_data")
    if not source:
        return None
    stem = Path(str(source)).stem or "data"
    how = "validation file" if record.spec.get("eval_data") else "validation split of the training file"
    return stem, f"{stem} ({how})"


def _result(task_type: str, dataset: tuple[str, str], split: str, metrics: dict[str, float]) -> dict:
    return {
        "task": {"type": task_type, "name": task_type.replace("-", " ").title()},
        "dataset": {"type": dataset[0], "name": dataset[1], "split": split},
        "metrics": [
            {"type": hub_metric_id(k), "name": k, "value": round(float(v), 4)} for k, v in metrics.items()
        ],
    }


def card_metadata(record: ModelRecord) -> dict[str, Any]:
    """The YAML block of the card, valid Hugging Face model metadata."""
    metrics = {k: v for k, v in record.metrics.items() if isinstance(v, int | float)}
    from workbench.tasks import TASKS

    task = TASKS.get(record.task)
    task_type = task.pipeline_tag if task is not None else "text-classification"
    meta: dict[str, Any] = {}
    base = hub_base_model(record.base_model)
    if base:
        meta["base_model"] = base
    if record.extra.get("license"):  # the base model's licence binds what is made from it
        meta["license"] = record.extra["license"]
    meta["library_name"] = "peft" if record.adapter else "transformers"
    meta["pipeline_tag"] = task_type
    meta["tags"] = ["llm-onboarding-workbench", record.task, record.method]
    if metrics:
        meta["metrics"] = list(dict.fromkeys(hub_metric_id(k.removeprefix(TEST_PREFIX)) for k in metrics))
    dataset = _dataset_names(record)
    if metrics and dataset:
        validation = {k: v for k, v in metrics.items() if not k.startswith(TEST_PREFIX)}
        test = {k.removeprefix(TEST_PREFIX): v for k, v in metrics.items() if k.startswith(TEST_PREFIX)}
        results = [_result(task_type, dataset, "validation", validation)] if validation else []
        if test:
            results.append(_result(task_type, (dataset[0], f"{dataset[0]} (test split)"), "test", test))
        meta["model-index"] = [{"name": record.name, "results": results}]
    return meta


def render_model_card(record: ModelRecord) -> str:
    metrics = {k: v for k, v in record.metrics.items() if isinstance(v, int | float)}
    base = hub_base_model(record.base_model)
    origin = (
        f"[`{base}`](https://huggingface.co/{base})" if base else f"the local model `{record.base_model}`"
    )
    lines = [
        "---",
        yaml.safe_dump(card_metadata(record), sort_keys=False).strip(),
        "---",
        "",
        f"# {record.name}",
        "",
        f"A `{record.task}` model made with the LLM Onboarding Workbench (method `{record.method}`, "
        f"kind `{record.kind}`) from {origin}.",
        "",
    ]
    if record.parent:
        lines += [f"Parent model: `{record.parent}`; recipe: `{record.recipe}`.", ""]
    lines += _licence_lines(record.extra.get("license"))
    if record.extra.get("pooling") == "mean":
        lines += [
            "The head classifies the **mean of the token vectors** (padding excluded), not the first token:"
            ' `config.json` says `"workbench_pooling": "mean"`. The workbench loads it that way;'
            " a plain `AutoModelForSequenceClassification` would pool `[CLS]` and predict differently.",
            "",
        ]
    if record.labels:
        lines += ["## Labels", "", ", ".join(f"`{x}`" for x in record.labels), ""]
    if metrics:
        lines += ["## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v:.4f} |" for k, v in metrics.items()]
        lines += [""]
    lines += calibration_lines(record.extra.get("calibration"))
    if record.dataset_fingerprint:
        lines += [f"Training data fingerprint (sha256): `{record.dataset_fingerprint}`.", ""]
    return "\n".join(lines)


def _licence_lines(licence: str | None) -> list[str]:
    from workbench.models.licence import licence_warning

    if not licence:
        return []
    warning = licence_warning(licence)
    return [f"Licence: `{licence}` (the base model's)." + (f" **{warning}**" if warning else ""), ""]


def calibration_lines(calibration: dict[str, Any] | None) -> list[str]:
    """The card's calibration section: the temperature and ECE/Brier before and after."""
    if not calibration:
        return []
    if calibration.get("skipped"):
        return ["## Calibration", "", f"Not calibrated: {calibration['skipped']}.", ""]
    before, after = calibration["before"], calibration["after"]
    source = {
        "inherited": "the parent's temperature, re-checked on the parent's validation texts",
        "refit": "refitted on the parent's validation texts (the parent's temperature no longer fitted)",
    }.get(calibration.get("source", ""), "fitted on the validation split after training")
    return [
        "## Calibration",
        "",
        f"Probabilities are divided by a temperature of **{calibration['temperature']:.3g}** ({source},"
        f" {calibration['rows']} rows); the predicted label is unchanged. Measured on those rows:",
        "",
        "| | before | after |",
        "|---|---|---|",
        f"| expected calibration error (ECE, 10 bins) | {before['ece']:.4f} | {after['ece']:.4f} |",
        f"| Brier score | {before['brier']:.4f} | {after['brier']:.4f} |",
        "",
    ]


def write_model_card(folder: Path, record: ModelRecord) -> None:
    atomic_write_text(folder / "README.md", render_model_card(record))
