"""Fixtures of the serving tests: the toy model deployed as ``toy`` and a client on the real app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from serve_helpers import make_client


@pytest.fixture()
def deployed(toy_model_id) -> str:
    """The toy model deployed under the name ``toy``; returns its version (registry id)."""
    from workbench.serve.deployments import DeploymentStore

    DeploymentStore().deploy("toy", toy_model_id, by="test")
    return toy_model_id


@pytest.fixture()
def second_version(toy_model_id) -> str:
    """A copy of the toy model whose label names are swapped: same weights, visibly other answers."""
    import shutil

    from workbench.models.registry import Registry

    registry = Registry()
    target = registry.root / "toy-swapped"
    shutil.copytree(registry.path(toy_model_id), target)
    record_file = Path(target) / "workbench.json"
    record = json.loads(record_file.read_text())
    record.update(id="toy-swapped", name="toy-swapped", labels=list(reversed(record["labels"])))
    record_file.write_text(json.dumps(record))
    return "toy-swapped"


@pytest.fixture()
def client(deployed):
    with make_client() as test_client:
        yield test_client
