"""``workbench push``: the dry run lists exactly the files and the card; a real push fails clearly offline."""

from __future__ import annotations

import json

import pytest

from workbench.cli.main import main
from workbench.errors import WorkbenchError
from workbench.models.registry import Registry
from workbench.ship.hub import plan_push


def test_dry_run_lists_exactly_the_model_files_and_prints_the_card(toy_model_id, capsys):
    folder = Registry().path(toy_model_id)
    expected = sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "workbench.json"
    )
    assert main(["push", toy_model_id, "someone/toy-sentiment", "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [name for name, _ in plan["files"]] == expected
    assert "model.safetensors" in expected and "README.md" in expected and "config.json" in expected
    assert plan["card"] == (folder / "README.md").read_text() and plan["private"] is False

    assert main(["push", toy_model_id, "someone/toy-sentiment", "--dry-run", "--private"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"dry run: would push {toy_model_id} to private repo someone/toy-sentiment")
    assert "model.safetensors" in out and "workbench.json" not in out
    assert "## Labels" in out and "pipeline_tag: text-classification" in out  # the card, printed


def test_push_rejects_bad_repo_ids_and_pickles(toy_model_id):
    with pytest.raises(WorkbenchError, match=r"Name the owner of the Hub repo: NAMESPACE/toy-sentiment"):
        plan_push(toy_model_id, "toy-sentiment")
    with pytest.raises(WorkbenchError, match=r"Invalid Hub repo id 'a/b/c'"):
        plan_push(toy_model_id, "a/b/c")
    (Registry().path(toy_model_id) / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(
        WorkbenchError, match=r"holds pickled weights \(pytorch_model.bin\); only safetensors"
    ):
        plan_push(toy_model_id, "someone/toy")


def test_a_real_push_offline_says_how_to_fix_it(toy_model_id, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    assert main(["push", toy_model_id, "someone/toy-sentiment"]) == 2
    err = capsys.readouterr().err
    assert "Cannot push: Hugging Face Hub offline mode is on (HF_HUB_OFFLINE=1)" in err
