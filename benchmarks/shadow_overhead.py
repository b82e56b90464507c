"""Does a shadow version slow the answers? Latency of one client with and without a shadow.

    python benchmarks/shadow_overhead.py --home /tmp/ops-toy/home --model toy --requests 200

Deploys MODEL as ``shadow-bench`` in the workspace HOME, copies it as the shadow candidate, and sends
REQUESTS single-text requests (each text unique, cache off) through the real app in process, in
blocks of 20 alternating between no shadow and shadow, so a change in the machine's load hits both
alike. The noise is the p50 difference between the two interleaved halves of the no-shadow blocks.
Target (issue 19): the shadow's p50 overhead within the measured noise (or 1 ms); exits 1 when not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

BLOCK = 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="workspace holding MODEL")
    parser.add_argument("--model", required=True, help="registry model id or name")
    parser.add_argument("--requests", type=int, default=200, help="requests per setting (default 200)")
    args = parser.parse_args()
    os.environ["WORKBENCH_HOME"] = str(Path(args.home).resolve())
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from fastapi.testclient import TestClient

    from workbench.models.registry import Registry
    from workbench.serve.app import create_app
    from workbench.serve.deployments import DeploymentStore
    from workbench.serve.settings import ServeSettings

    registry = Registry()
    model = registry.get(args.model).id
    candidate = f"{model}-shadow-copy"
    if not registry.exists(candidate):
        shutil.copytree(registry.path(model), registry.root / candidate)
        record = registry.path(candidate) / "workbench.json"
        record.write_text(record.read_text().replace(f'"id": "{model}"', f'"id": "{candidate}"'))
    store = DeploymentStore()
    store.deploy("shadow-bench", model, by="benchmark")
    latencies: dict[str, list[float]] = {"off-a": [], "off-b": [], "shadow": []}
    with TestClient(create_app(ServeSettings(demo=False, cache_entries=0))) as client:
        client.post("/v1/models/shadow-bench/predict", json={"texts": ["warm up"]})
        n = 0
        for block in range(3 * args.requests // BLOCK):
            setting = ("off-a", "shadow", "off-b")[block % 3]
            if setting == "shadow":
                store.start_rollout("shadow-bench", candidate, shadow=True, by="benchmark")
                client.post("/v1/models/shadow-bench/predict", json={"texts": ["warm up shadow"]})
            for _ in range(BLOCK):
                n += 1
                started = time.perf_counter()
                client.post(
                    "/v1/models/shadow-bench/predict", json={"texts": [f"the film number {n} was good"]}
                )
                latencies[setting].append((time.perf_counter() - started) * 1000)
            if setting == "shadow":
                client.app.state.serve.mirror.drain()
                store.drop("shadow-bench", by="benchmark")
        mirrored, skipped = client.app.state.serve.mirror.done, client.app.state.serve.mirror.skipped
    p50 = {k: statistics.median(v) for k, v in latencies.items()}
    p95 = {k: statistics.quantiles(v, n=20)[-1] for k, v in latencies.items()}
    off = latencies["off-a"] + latencies["off-b"]
    noise = abs(p50["off-a"] - p50["off-b"])
    overhead = p50["shadow"] - statistics.median(off)
    print("| setting | requests | p50 ms | p95 ms |\n|---|---|---|---|")
    for k in latencies:
        print(f"| {k} | {len(latencies[k])} | {p50[k]:.2f} | {p95[k]:.2f} |")
    print(f"shadow p50 overhead {overhead:+.2f} ms; noise (p50 off-a vs off-b) {noise:.2f} ms; "
          f"mirrored {mirrored} requests, skipped {skipped}")  # fmt: skip
    ok = overhead <= max(noise, 1.0)
    print(
        "target met: shadow overhead within the noise"
        if ok
        else "target MISSED: shadow overhead above the noise"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
