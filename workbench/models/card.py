"""Generated model cards: a README.md with Hugging Face YAML metadata, so a pushed model is described."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from workbench.fsutil import atomic_write_text

if TYPE_CHECKING:
    from workbench.models.registry import ModelRecord

PIPELINE_TAGS = {
    "classification": "text-classification",
    "multilabel": "text-classification",
    "regression": "text-classification",
}


def render_model_card(record: ModelRecord) -> str:
    metrics = {k: v for k, v in record.metrics.items() if isinstance(v, int | float)}
    meta = {
        "base_model": record.base_model,
        "library_name": "peft" if record.adapter else "transformers",
        "pipeline_tag": PIPELINE_TAGS.get(record.task, "text-classification"),
        "tags": ["llm-onboarding-workbench", record.task, record.method],
        "model-index": [
            {
                "name": record.name,
                "results": [
                    {
                        "task": {"type": PIPELINE_TAGS.get(record.task, "text-classification")},
                        "metrics": [{"type": k, "value": round(float(v), 4)} for k, v in metrics.items()],
                    }
                ],
            }
        ],
    }
    lines = [
        "---",
        yaml.safe_dump(meta, sort_keys=False).strip(),
        "---",
        "",
        f"# {record.name}",
        "",
        f"A `{record.task}` model made with the LLM Onboarding Workbench (method `{record.method}`, "
        f"kind `{record.kind}`) from `{record.base_model}`.",
        "",
    ]
    if record.parent:
        lines += [f"Parent model: `{record.parent}`; recipe: `{record.recipe}`.", ""]
    if record.labels:
        lines += ["## Labels", "", ", ".join(f"`{x}`" for x in record.labels), ""]
    if metrics:
        lines += ["## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v:.4f} |" for k, v in metrics.items()]
        lines += [""]
    if record.dataset_fingerprint:
        lines += [f"Training data fingerprint (sha256): `{record.dataset_fingerprint}`.", ""]
    return "\n".join(lines)


def write_model_card(folder: Path, record: ModelRecord) -> None:
    atomic_write_text(folder / "README.md", render_model_card(record))
