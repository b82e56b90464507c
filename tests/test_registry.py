"""The workspace registry: atomic publish, crash safety, resolution by id or name, removal."""

from __future__ import annotations

import pytest

from workbench.errors import RegistryError
from workbench.models.registry import ModelRecord, Registry


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
    assert (registry.path("reviews-v1") / "README.md").read_text().startswith("---\nbase_model: default")


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
