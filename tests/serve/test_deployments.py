"""Deployments: atomic switch with history, rollback, and the CLI."""

from __future__ import annotations

import pytest

from workbench.cli.main import main
from workbench.errors import RegistryError, SpecError
from workbench.serve.deployments import DeploymentStore


def test_deploy_roll_forward_and_back_with_history(toy_model_id, second_version):
    store = DeploymentStore()
    store.deploy("support", toy_model_id, by="ana")
    store.deploy("support", second_version, by="ben")
    assert store.get("support").version == second_version
    change = store.rollback("support", by="ana")
    assert (change.from_version, change.to_version, change.action) == (
        second_version,
        toy_model_id,
        "rollback",
    )
    assert store.get("support").version == toy_model_id
    history = [(c.from_version, c.to_version, c.by) for c in store.history("support")]
    assert history == [
        (None, toy_model_id, "ana"),
        (toy_model_id, second_version, "ben"),
        (second_version, toy_model_id, "ana"),
    ]
    assert store.versions("support") == [toy_model_id, second_version]


def test_deploy_refuses_bad_names_unknown_models_and_empty_rollback(toy_model_id):
    store = DeploymentStore()
    with pytest.raises(SpecError, match=r"Deployment name 'Bad Name' is invalid"):
        store.deploy("Bad Name", toy_model_id)
    with pytest.raises(RegistryError, match=r"No model 'ghost' in the workspace"):
        store.deploy("support", "ghost")
    store.deploy("support", toy_model_id)
    with pytest.raises(RegistryError, match=r"Deployment 'support' has no earlier version to roll back to"):
        store.rollback("support")


def test_deploy_cli(toy_model_id, second_version, capsys):
    assert main(["deploy", "support", toy_model_id]) == 0
    assert main(["deploy", "support", second_version]) == 0
    assert main(["deploy", "support", "--rollback"]) == 0
    out = capsys.readouterr().out
    assert f"support: {second_version} → {toy_model_id} (rollback)" in out
    assert main(["deploy"]) == 0
    listing = capsys.readouterr().out
    assert "support" in listing and toy_model_id in listing
    assert main(["deploy", "support"]) == 2
    assert "Give the model to deploy" in capsys.readouterr().err
