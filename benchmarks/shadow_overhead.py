"""Does a shadow version slow the answers? Latency of one client with and without a shadow.

    python benchmarks/shadow_overhead.py --home /tmp/ops-toy/home --model toy --requests 200

Deploys MODEL as ``shadow-bench`` in the workspace HOME, copies it as the shadow candidate, and sends
REQUESTS single-text requests per setting (each text unique, cache off) through the real app in
process, in blocks of 20 cycling through: no shadow (a), shadow in its worker process (the default),
no shadow (b), shadow in a server thread (``--shadow-in-thread``), so a change in the machine's load
hits all alike. The noise is the p50 difference between the two interleaved halves of the no-shadow
blocks. Target (issue 19): the default (process) shadow's p50 overhead within the measured noise (or
1 ms); exits 1 when not. The thread row shows what the separate process buys.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

BLOCK = 20


def bootstrap_interval(
    with_shadow: list[float], without: list[float], rounds: int = 2000
) -> tuple[float, float]:
    """95 % interval of median(with) - median(without) over resamples of both (seeded)."""
    rng = random.Random(0)
    diffs = sorted(
        statistics.median(rng.choices(with_shadow, k=len(with_shadow)))
        - statistics.median(rng.choices(without, k=len(without)))
        for _ in range(rounds)
    )
    return diffs[int(0.025 * rounds)], diffs[int(0.975 * rounds) - 1]


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
    settings = ("off-a", "shadow-process", "off-b", "shadow-thread")
    latencies: dict[str, list[float]] = {k: [] for k in settings}
    with TestClient(create_app(ServeSettings(demo=False, cache_entries=0))) as client:
        mirror = client.app.state.serve.mirror
        client.post("/v1/models/shadow-bench/predict", json={"texts": ["warm up"]})
        n = 0
        for block in range(len(settings) * args.requests // BLOCK):
            setting = settings[block % len(settings)]
            shadow = setting.startswith("shadow")
            if shadow:
                mirror.in_process = setting == "shadow-process"
                store.start_rollout("shadow-bench", candidate, shadow=True, by="benchmark")
                client.post("/v1/models/shadow-bench/predict", json={"texts": ["warm up shadow"]})
                mirror.drain(120)  # the first job starts the worker process and loads the shadow
            for _ in range(BLOCK):
                n += 1
                started = time.perf_counter()
                client.post(
                    "/v1/models/shadow-bench/predict", json={"texts": [f"the film number {n} was good"]}
                )
                latencies[setting].append((time.perf_counter() - started) * 1000)
            if shadow:
                mirror.drain()
                store.drop("shadow-bench", by="benchmark")
        mirrored, skipped = mirror.done, mirror.skipped
    p50 = {k: statistics.median(v) for k, v in latencies.items()}
    p95 = {k: statistics.quantiles(v, n=20)[-1] for k, v in latencies.items()}
    off = latencies["off-a"] + latencies["off-b"]
    noise = abs(p50["off-a"] - p50["off-b"])
    overhead = {k: p50[k] - statistics.median(off) for k in ("shadow-process", "shadow-thread")}
    print("| setting | requests | p50 ms | p95 ms | p50 overhead ms |\n|---|---|---|---|---|")
    for k in latencies:
        extra = f"{overhead[k]:+.2f}" if k in overhead else ""
        print(f"| {k} | {len(latencies[k])} | {p50[k]:.2f} | {p95[k]:.2f} | {extra} |")
    low, high = bootstrap_interval(latencies["shadow-process"], off)
    print(f"noise (p50 off-a vs off-b) {noise:.2f} ms; mirrored {mirrored} requests, skipped {skipped}")
    print(
        f"worker-process overhead, 95% bootstrap interval of the p50 difference: {low:+.2f} to {high:+.2f} ms"
    )
    ok = overhead["shadow-process"] <= max(noise, 1.0)
    print(
        "target met: the shadow's overhead (worker process) is within the noise"
        if ok
        else "target MISSED: the shadow's overhead (worker process) is above the noise"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
