"""The workspace registry: atomic publish, crash safety, resolution by id or name, removal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from workbench.config import DEFAULT_MODEL_NAME
from workbench.errors import RegistryError
from workbench.models.registry import STAGING_PREFIX, ModelRecord, Registry


def _record(name: str = "reviews-v1") -> ModelRecord:
    return ModelRecord(id=name, name=name, task="classification", labels=["neg", "pos"], base_model="default")


def test_publish_lists_and_resolves_by_id_and_name():
    registry = Registry()
    staging = registry.staging_dir()
    (staging / "model.safetensors").write_bytes(b"x" * 10)
    record = registry.publish(staging, _record("Reviews V1"))
    assert record.id == "reviews-v1"
    assert [r.id for r in registry.list()] == ["reviews-v1"]
    assert registry.get("Reviews V1").id == "reviews-v1"
    assert (
        (registry.path("reviews-v1") / "README.md")
        .read_text()
        .startswith(f"---\nbase_model: {DEFAULT_MODEL_NAME}\n")
    )


def test_same_name_twice_gets_a_new_id():
    registry = Registry()
    registry.publish(registry.staging_dir(), _record())
    second = registry.publish(registry.staging_dir(), _record())
    assert second.id == "reviews-v1-2"


def test_crash_mid_save_leaves_nothing_listed():
    registry = Registry()
    staging = registry.staging_dir()
    (staging / "model.safetensors").write_bytes(b"half a model")
    # the process dies here: publish() never runs
    assert registry.list() == []
    with pytest.raises(RegistryError, match="No model 'reviews-v1' in the workspace"):
        registry.get("reviews-v1")
    # a partial folder with a record file but never renamed is also invisible
    (staging / "workbench.json").write_text('{"id": "reviews-v1"}')
    assert registry.list() == []


def test_remove_unlists_and_deletes():
    registry = Registry()
    registry.publish(registry.staging_dir(), _record())
    registry.remove("reviews-v1")
    assert registry.list() == []
    assert not registry.path("reviews-v1").exists()
    with pytest.raises(RegistryError, match="Known models: none yet"):
        registry.remove("reviews-v1")


def test_lineage_follows_parents():
    registry = Registry()
    registry.publish(registry.staging_dir(), _record("base-ft"))
    child = _record("base-ft-int8")
    child.parent, child.kind = "base-ft", "variant"
    registry.publish(registry.staging_dir(), child)
    assert [r.id for r in registry.lineage("base-ft-int8")] == ["base-ft", "base-ft-int8"]


def _card_metadata(registry: Registry, model_id: str) -> dict:
    text = (registry.path(model_id) / "README.md").read_text()
    return yaml.safe_load(text.split("---\n")[1])


def test_model_card_is_valid_hub_metadata():
    from huggingface_hub import ModelCard

    registry = Registry()
    record = _record()
    record.spec = {"train_data": "data/reviews.csv", "eval_data": "data/dev.csv"}
    record.metrics = {"accuracy": 0.9, "f1_macro": 0.85, "ece": 0.05, "test_accuracy": 0.8}
    registry.publish(registry.staging_dir(), record)
    meta = _card_metadata(registry, "reviews-v1")
    assert meta["base_model"] == DEFAULT_MODEL_NAME
    assert meta["metrics"] == ["accuracy", "f1", "ece"]
    validation, test = meta["model-index"][0]["results"]
    assert validation["dataset"] == {"type": "dev", "name": "dev (validation file)", "split": "validation"}
    assert {"type": "f1", "name": "f1_macro", "value": 0.85} in validation["metrics"]
    assert test["dataset"]["split"] == "test" and test["metrics"][0]["value"] == 0.8
    # huggingface_hub parses it (it raises on a model-index result without a dataset)
    card = ModelCard((registry.path("reviews-v1") / "README.md").read_text())
    assert {(r.dataset_split, r.metric_name, r.metric_value) for r in card.data.eval_results} >= {
        ("validation", "accuracy", 0.9),
        ("test", "accuracy", 0.8),
    }


def test_model_card_pipeline_tag_comes_from_the_task():
    registry = Registry()
    for task, tag in (("seq2seq", "translation"), ("token-classification", "token-classification")):
        record = _record(f"card-{task}")
        record.task = task
        registry.publish(registry.staging_dir(), record)
        assert _card_metadata(registry, f"card-{task}")["pipeline_tag"] == tag


def test_model_card_names_a_local_base_in_the_text_not_the_yaml(tmp_path):
    registry = Registry()
    record = _record()
    record.base_model = str(tmp_path)
    registry.publish(registry.staging_dir(), record)
    meta = _card_metadata(registry, "reviews-v1")
    assert "base_model" not in meta and "model-index" not in meta and "metrics" not in meta
    assert f"from the local model `{tmp_path}`" in (registry.path("reviews-v1") / "README.md").read_text()


def test_stale_staging_of_a_killed_save_is_cleaned_when_listing():
    registry = Registry()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    killed = registry.staging_dir()
    owner = json.loads((killed / ".owner.json").read_text())
    (killed / ".owner.json").write_text(json.dumps({**owner, "pid": int(dead.stdout)}))
    (killed / "model.safetensors").write_bytes(b"half a model")
    running = registry.staging_dir()  # this process is alive: a slow save, not debris
    fresh_orphan = registry.staging_dir()
    (fresh_orphan / ".owner.json").write_text(json.dumps({**owner, "pid": int(dead.stdout)}))
    hour_ago = time.time() - 3600
    for folder in (killed, running):
        os.utime(folder, (hour_ago, hour_ago))
    assert registry.list() == []
    left = sorted(p.name for p in registry.root.glob(f"{STAGING_PREFIX}*"))
    assert left == sorted([running.name, fresh_orphan.name])
