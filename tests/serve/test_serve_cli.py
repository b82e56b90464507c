"""``workbench serve`` as a user runs it: prints the URLs, serves, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
from serve_helpers import free_port

from workbench.cli.serve_cmd import bind_host


def test_without_keys_only_loopback_is_bound():
    assert bind_host("0.0.0.0", has_keys=False) == (
        "127.0.0.1",
        "warning: no API key exists, so the server binds to 127.0.0.1 only (not 0.0.0.0); "
        "add one with `workbench keys add NAME` to serve other machines",
    )
    assert bind_host("0.0.0.0", has_keys=True) == ("0.0.0.0", None)
    assert bind_host("localhost", has_keys=False) == ("localhost", None)


def test_serve_prints_urls_answers_and_stops_on_sigterm(deployed, isolated_workspace):
    port = free_port()
    env = {**os.environ, "WORKBENCH_HOME": str(isolated_workspace)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli.main",
            "serve",
            "--port",
            str(port),
            "--no-demo",
            "--host",
            "0.0.0.0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"{url}/v1/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.time() < deadline, process.stderr.read()
            time.sleep(0.3)
        body = httpx.post(f"{url}/v1/models/toy/predict", json={"texts": ["a wonderful film"]}).json()
        assert body["version"] == deployed and body["predictions"][0]["label"] == "pos"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert f"serving on http://127.0.0.1:{port}/v1 (API docs http://127.0.0.1:{port}/docs" in out
    assert "binds to 127.0.0.1 only (not 0.0.0.0)" in err
