"""Cold start: process start of ``streamlit run app.py`` → the first page's title shown in a browser.

    python benchmarks/cold_start.py --runs 5

Each run starts a fresh server on a free 127.0.0.1 port with an empty workspace, opens it in headless
Chromium (playwright, as the browser test does; the browser is started once, outside the timing) and
waits for the home page's heading. The same number of runs of a bare Streamlit app that only draws
the same title are interleaved with them, so the floor (Streamlit itself on this machine, at this
moment) is measured beside the app: on a shared, busy CPU both move together.

Target (issue 24): median ≤ 4 s to the title for the app. Exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, check_targets, print_table

HOST = "127.0.0.1"  # the only address this script talks to
TITLE = "LLM Onboarding Workbench"
TARGET_SECONDS = 4.0
CHROMIUM = "/usr/bin/chromium"
BARE_APP = f'import streamlit as st\n\nst.set_page_config(layout="wide")\nst.title("{TITLE}")\n'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"streamlit exited with {process.returncode} before answering on {url}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"streamlit did not answer on {url} within {seconds:.0f} s")


def time_to_title(page, script: Path, workspace: Path, timeout: float) -> float:
    """Seconds from starting ``streamlit run script`` to its page's h1 title being shown."""
    port = free_port()
    env = {**os.environ, "WORKBENCH_HOME": str(workspace), "HF_HUB_OFFLINE": "1"}
    args = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    args += ["--server.address", HOST, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    started = time.monotonic()
    process = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://{HOST}:{port}"
        wait_healthy(url, process, timeout)
        page.goto(url)
        page.get_by_role("heading", name=TITLE, level=1).wait_for(timeout=timeout * 1000)
        return time.monotonic() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def summary(name: str, seconds: list[float]) -> dict:
    return {
        "app": name,
        "runs": len(seconds),
        "median s": statistics.median(seconds),
        "min s": min(seconds),
        "max s": max(seconds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="starts of each app (default: 5)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds allowed for one start")
    parser.add_argument("--no-baseline", action="store_true", help="only the app, no bare Streamlit runs")
    args = parser.parse_args()
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("playwright is not installed: pip install -e '.[dev]'") from None
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: apt-get install chromium")

    times: dict[str, list[float]] = {"app.py": [], "bare streamlit (floor)": []}
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp, sync_playwright() as p:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        scripts = [("app.py", REPO / "app.py")]
        if not args.no_baseline:
            scripts.append(("bare streamlit (floor)", bare))
        for i in range(args.runs):
            for name, script in scripts if i % 2 == 0 else scripts[::-1]:  # interleaved, order alternating
                page = browser.new_page()
                seconds = time_to_title(
                    page, script, Path(tmp) / f"home-{i}-{len(times[name])}", args.timeout
                )
                page.close()
                times[name].append(seconds)
                print(f"run {i + 1}: {name} {seconds:.2f} s", flush=True)
        browser.close()
    rows = [summary(name, seconds) for name, seconds in times.items() if seconds]
    print()
    print_table(rows, ["app", "runs", "median s", "min s", "max s"])
    median = statistics.median(times["app.py"])
    return check_targets(
        [
            (
                "cold start to the first page's title",
                median <= TARGET_SECONDS,
                f"median {median:.2f} s ≤ {TARGET_SECONDS} s",
            )
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
