"""Registry models for the explain tests: tiny untrained BERTs with each task's head (seconds)."""

from __future__ import annotations

import pytest


def publish_tiny_model(
    tiny_bert_dir,
    task: str,
    labels: list[str],
    *,
    text_pair: bool = False,
    name: str | None = None,
    seed: int = 0,
) -> str:
    """Save a tiny BERT with a random head for ``task`` into the test's workspace; return its id."""
    import torch
    from transformers import AutoTokenizer

    from workbench.models.registry import ModelRecord, Registry
    from workbench.tasks import get_task

    torch.manual_seed(seed)
    spec = get_task(task)
    model = spec.auto_model_class().from_pretrained(str(tiny_bert_dir), **spec.config_overrides(labels))
    registry = Registry()
    staging = registry.staging_dir()
    model.save_pretrained(staging)
    AutoTokenizer.from_pretrained(str(tiny_bert_dir)).save_pretrained(staging)
    record = ModelRecord(
        id=name or f"tiny-{task}", name=name or f"tiny-{task}", task=task, labels=labels,
        base_model=str(tiny_bert_dir), max_length=64, text_pair=text_pair,
    )  # fmt: skip
    return registry.publish(staging, record).id


@pytest.fixture()
def tiny_classifier(tiny_bert_dir) -> str:
    return publish_tiny_model(tiny_bert_dir, "classification", ["neg", "neu", "pos"])


KINDS = {
    "classification": ("classification", ["neg", "neu", "pos"], False),
    "multilabel": ("multilabel", ["a", "b", "c"], False),
    "regression": ("regression", [], False),
    "pair": ("classification", ["no", "yes"], True),
}


@pytest.fixture()
def tiny_model(tiny_bert_dir):
    """``tiny_model(kind)`` publishes a tiny model of that kind (see ``KINDS``) and returns its id."""

    def make(kind: str) -> str:
        task, labels, pair = KINDS[kind]
        return publish_tiny_model(tiny_bert_dir, task, labels, text_pair=pair, name=f"tiny-{kind}")

    return make


@pytest.fixture()
def publish(tiny_bert_dir):
    """``publish(task, labels, name=..., seed=...)``: a tiny model with a random head, by hand."""

    def make(task: str, labels: list[str], **kwargs) -> str:
        return publish_tiny_model(tiny_bert_dir, task, labels, **kwargs)

    return make
