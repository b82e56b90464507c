"""The container: docker does not run in this sandbox (no daemon), so what can be checked without it is:
every COPY source exists and is in the build context, the image's promises (slim CPU base, non-root,
workspace volume, health check on a real route), and the entry point started as the image runs it."""

from __future__ import annotations

import fnmatch
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from ship_helpers import free_port, stop, wait_for_http

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _in_context(path: str) -> bool:
    """.dockerignore semantics: the last matching pattern wins; ``!`` re-includes; ``**/`` any depth."""
    included = True
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate, pattern = pattern.startswith("!"), pattern.lstrip("!")
        candidates = parts if pattern.startswith("**/") else prefixes
        if any(fnmatch.fnmatch(c, pattern.removeprefix("**/")) for c in candidates):
            included = negate
    return included


def _env() -> dict[str, str]:
    env = {}
    for op, args in _instructions():
        if op == "ENV":
            env.update(dict(item.split("=", 1) for item in shlex.split(args)))
    return env


def test_every_copy_source_exists_and_is_in_the_build_context():
    copies = [shlex.split(args)[:-1] for op, args in _instructions() if op == "COPY"]
    sources = [s for srcs in copies for s in srcs if not s.startswith("--")]
    assert {"workbench", "explain", "assets", "requirements.lock", "pyproject.toml"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert _in_context(source), f"COPY {source}: excluded by .dockerignore"
    assert not _in_context(".git") and not _in_context("workspace") and not _in_context("tests")
    assert not _in_context("workbench/__pycache__/x.pyc")
    assert (ROOT / _env()["WORKBENCH_SAFETY_DEFAULT_RULES"].removeprefix("/app/")).is_file()


def test_the_image_is_slim_cpu_non_root_with_a_volume_and_a_health_check():
    ops = _instructions()
    first = dict(ops)
    assert first["FROM"] == "python:3.11-slim"
    assert first["USER"] == "workbench" and first["VOLUME"] == "/workspace"
    assert _env()["WORKBENCH_HOME"] == "/workspace"
    assert "/v1/ready" in first["HEALTHCHECK"]
    install = next(args for op, args in ops if op == "RUN" and "pip install" in args)
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in install  # the CPU torch build
    assert "-c /tmp/constraints.txt ." in install and "requirements.lock" in install
    command = [*_json(first["ENTRYPOINT"]), *_json(first["CMD"])]
    assert command == ["workbench", "serve", "--host", "0.0.0.0", "--port", "8000"]


def test_the_lock_becomes_exact_constraints_for_the_image():
    """The image's RUN turns the hashed lock into name==version lines; run that sed here on the lock."""
    run = next(args for op, args in _instructions() if op == "RUN" and "requirements.lock" in args)
    sed = run.split(" > ")[0]
    out = subprocess.run(sed, shell=True, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    pins = out.splitlines()
    lock_pins = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line]
    assert len(pins) == len(lock_pins) and all(p.count("==") == 1 and " " not in p for p in pins)
    assert any(p.startswith("torch==") and p.endswith("+cpu") for p in pins)


def _json(value: str) -> list[str]:
    import json

    return json.loads(value)


@pytest.fixture()
def entry_command() -> list[str]:
    first = dict(_instructions())
    return [*_json(first["ENTRYPOINT"]), *_json(first["CMD"])]


def test_the_entry_point_serves_and_is_ready(entry_command, toy_model_id, isolated_workspace):
    """``workbench serve --host 0.0.0.0`` as the image runs it (its ENV, the port moved to a free one);
    with an API key it binds all addresses, and /v1/ready (the health check) answers 200."""
    from workbench.serve.deployments import DeploymentStore
    from workbench.serve.keys import KeyStore

    DeploymentStore().deploy("toy", toy_model_id, by="test")
    KeyStore().add("container", scopes="predict")
    port = free_port()
    args = entry_command[1:]
    args[args.index("--port") + 1] = str(port)
    env = {**os.environ, **_env(), "WORKBENCH_HOME": str(isolated_workspace)}
    env["WORKBENCH_SAFETY_DEFAULT_RULES"] = str(ROOT / "assets" / "safety" / "default_rules.yaml")
    proc = subprocess.Popen(
        ["nice", "-n", "19", sys.executable, "-m", "workbench.cli.main", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/v1/health", proc)
        import httpx

        ready = httpx.get(f"http://127.0.0.1:{port}/v1/ready", timeout=30)
        assert ready.status_code == 200 and ready.json()["deployments"] == {"toy": "loaded"}
    finally:
        stop(proc)
    assert f"serving on http://0.0.0.0:{port}/v1" in proc.stdout.read()
