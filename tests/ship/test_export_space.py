"""``workbench export-space``: the folder is a Space that answers through gradio_client."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from ship_helpers import free_port, start_app, stop, wait_for_http

from workbench.cli.main import main
from workbench.errors import WorkbenchError
from workbench.ship.space import export_space

TEXT = "the acting was wonderful, write to jane.doe@example.com"


@pytest.fixture()
def space(toy_model_id, tmp_path) -> Path:
    assert main(["export-space", toy_model_id, str(tmp_path / "space")]) == 0
    return tmp_path / "space"


def _front_matter(readme: str) -> dict:
    _, front, _body = readme.split("---\n", 2)
    return yaml.safe_load(front)


def test_export_space_writes_a_complete_pinned_space(space, toy_model_id):
    import gradio

    files = sorted(str(p.relative_to(space)) for p in space.rglob("*") if p.is_file())
    wheel = next(f for f in files if f.startswith("wheels/"))
    assert {"app.py", "requirements.txt", "README.md", ".gitattributes", "safety/default_rules.yaml"} <= set(
        files
    )
    assert f"workspace/models/{toy_model_id}/model.safetensors" in files
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pkl"))]
    requirements = (space / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    assert f"./{wheel}" in requirements
    pins = [r for r in requirements if r and not r.startswith(("#", "-", "./"))]
    assert all("==" in r for r in pins) and len(pins) > 50
    assert f"gradio=={gradio.__version__}" in pins
    assert next(r for r in pins if r.startswith("torch==")).endswith("+cpu")
    assert not [r for r in pins if r.split("==")[0] in ("pytest", "playwright", "ruff")]  # no test tools
    readme = (space / "README.md").read_text()
    meta = _front_matter(readme)
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == gradio.__version__
    assert meta["python_version"] == "3.11" and meta["app_file"] == "app.py"
    assert "## Labels" in readme and "`neg`, `pos`" in readme  # the model card follows
    examples = (space / "workspace" / "examples.csv").read_text()
    assert "@" not in examples and examples.startswith("text\n")


def test_exported_app_answers_through_gradio_client(space, toy_model_id, tmp_path):
    """The app runs from the folder alone: the workbench comes from the exported wheel (unpacked onto
    PYTHONPATH here, as pip would install it), the model and rules from its own workspace."""
    from gradio_client import Client

    site = tmp_path / "site"
    with zipfile.ZipFile(next((space / "wheels").glob("*.whl"))) as wheel:
        wheel.extractall(site)
    where = subprocess.run(
        [sys.executable, "-c", "import workbench; print(workbench.__file__)"],
        env={**os.environ, "PYTHONPATH": str(site)},
        cwd=tmp_path,  # not the checkout, whose workbench/ would come first on sys.path
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site))
    port = free_port()
    proc = start_app(sys.executable, space, port, pythonpath=str(site))
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", proc)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        label, hits, version, _ = client.predict(TEXT, api_name=f"/predict_{toy_model_id.replace('-', '_')}")
        assert label["label"] == "pos" and toy_model_id in version
        assert "pii.email" in hits and "jane.doe@example.com" not in hits  # the safety rules shipped
        neg, *_ = client.predict(
            "a dull and boring film", api_name=f"/predict_{toy_model_id.replace('-', '_')}"
        )
        assert neg["label"] == "neg"
    finally:
        stop(proc)


def test_docker_sdk_writes_a_dockerfile_and_front_matter(toy_model_id, tmp_path):
    done = export_space(toy_model_id, tmp_path / "space", sdk="docker")
    meta = _front_matter((done.folder / "README.md").read_text())
    assert meta["sdk"] == "docker" and meta["app_port"] == 7860
    dockerfile = (done.folder / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile and "USER user" in dockerfile
    assert 'CMD ["python", "app.py"]' in dockerfile and "Dockerfile" in done.files


def test_export_refuses_a_folder_with_files_and_an_unknown_model(toy_model_id, tmp_path, capsys):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    with pytest.raises(WorkbenchError, match=r"busy already exists and is not an empty folder"):
        export_space(toy_model_id, tmp_path / "busy")
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"
    assert main(["export-space", "no-such-model", str(tmp_path / "x")]) == 2
    assert "No model 'no-such-model' in the workspace" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    with pytest.raises(WorkbenchError, match=r"Unknown Space SDK 'streamlit': use one of gradio, docker"):
        export_space(toy_model_id, tmp_path / "y", sdk="streamlit")


def test_export_refuses_pickled_weights(toy_model_id, tmp_path):
    from workbench.models.registry import Registry

    (Registry().path(toy_model_id) / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(WorkbenchError, match=r"holds pickled weights \(pytorch_model.bin\)"):
        export_space(toy_model_id, tmp_path / "space")
    assert not (tmp_path / "space").exists() and not list(tmp_path.glob(".space*"))


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("WORKBENCH_SLOW"),
    reason="installs every pinned dependency into a fresh venv (2.5 min from a local index, ~1 GB download otherwise): set WORKBENCH_SLOW=1",
)
def test_exported_space_installs_into_a_fresh_venv_and_answers(space, toy_model_id, tmp_path):
    """What a Space does: a new virtual environment (no system site-packages), `pip install -r
    requirements.txt` from the folder, `python app.py`; then a prediction through gradio_client."""
    from gradio_client import Client

    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", "requirements.txt"]
    if Path("/opt/wheels").is_dir():
        # This machine's copy of the CPU torch wheel; PyTorch's index (the file's --extra-index-url)
        # is unreachable here, and pip's default 5 retries with back-off per package took 35 minutes.
        pip += ["--find-links", "/opt/wheels", "--retries", "0"]
    subprocess.run(["nice", "-n", "19", *pip], cwd=space, check=True, timeout=3600)
    port = free_port()
    proc = start_app(python, space, port)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", proc, timeout=600)
        label, *_ = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            "a wonderful film", api_name=f"/predict_{toy_model_id.replace('-', '_')}"
        )
        assert label["label"] == "pos"
    finally:
        stop(proc)


def test_export_space_ships_the_variant_a_rule_asks_with_the_training_it_was_built_from(
    toy_model_id, tmp_path
):
    """A `label` rule with `variant: int8` (as the default injection rule) asks the int8 variant of its
    model's newest training: the Space gets both, and there the rule resolves to the same variant."""
    from workbench.models.registry import Registry
    from workbench.safety import workspace_rules_path
    from workbench.safety.detectors.model import rule_models
    from workbench.variants import build_variant

    int8 = build_variant(toy_model_id, "int8").id
    workspace_rules_path().parent.mkdir(parents=True, exist_ok=True)
    workspace_rules_path().write_text(
        f"rules:\n  - {{id: mood, detector: label, model: {toy_model_id}, labels: [neg], variant: int8}}\n",
        encoding="utf-8",
    )
    other = build_variant(toy_model_id, "fp16").id  # the exported model is not the rule's
    export = export_space(other, tmp_path / "space")
    assert export.extra_models == [toy_model_id, int8]
    shipped = Registry(tmp_path / "space" / "workspace")
    assert {r.id for r in shipped.list()} == {other, toy_model_id, int8}
    settings = {"model": toy_model_id, "variant": "int8"}
    assert [m.id for m in rule_models(settings, shipped)] == [toy_model_id, int8]
