"""Serving load test on loopback: micro-batching on vs off vs a one-forward-per-request baseline.

    python benchmarks/serve_load.py --home /work/bench-home-serve

Fine-tunes the default model (all-MiniLM-L6-v2) on the sample data first when the workspace has no
such model (head only, 1 epoch, about a minute), deploys it as ``support`` and starts, one after the
other, three servers on 127.0.0.1 (each its own process, so the load generator does not share its
interpreter): ``workbench serve`` with micro-batching, ``workbench serve --no-batching``, and a plain
FastAPI endpoint that calls the model once per request (the usual first design). For 1, 8, 32 and 64
concurrent clients it sends one text per request for a fixed time and at most a fixed number of
requests (bounded, loopback only), each text unique so the cache never answers, and reports
throughput, p50/p95/p99 latency, 503s (the queue refusing, counted apart) and errors. Last, the
batching server answers one text repeatedly: the cache-hit latency. ``--ray`` adds the same gateway on
Ray Serve with 1 and 2 replicas (``workbench serve --ray``; needs ``pip install -e ".[ray]"``);
``--only ray-1,ray-2`` runs just those rows.

Targets (issue 18) on a 2-core machine: 0 errors up to 64 clients; batching ≥ 2.0x the baseline's
throughput at 32 clients; at 1 client batching's p95 ≤ the baseline's p95 + the batching wait (5 ms);
a cache hit ≤ 2 ms p50 over HTTP. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, check_targets, machine_info, print_table

sys.path.insert(0, str(REPO))
HOST = "127.0.0.1"  # the only address this script talks to
SAMPLE = REPO / "assets" / "sample"
MODEL_NAME = "serve-bench"
CLIENTS = (1, 8, 32, 64)
COLUMNS = ["server", "clients", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "503", "errors"]
MAX_WAIT_MS = 5.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", default="/work/bench-home-serve", help="workspace (WORKBENCH_HOME)")
    p.add_argument("--seconds", type=float, default=6.0, help="duration of each load level")
    p.add_argument("--max-requests", type=int, default=4000, help="most requests per load level")
    p.add_argument("--cache-requests", type=int, default=300, help="requests of the cache-hit test")
    p.add_argument("--port", type=int, default=8790, help="first port (three are used)")
    p.add_argument("--baseline-server", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--ray", action="store_true", help="add Ray Serve rows, 1 and 2 replicas (needs the ray extra)"
    )
    p.add_argument(
        "--only", help="comma-separated servers to run (batching, no-batching, baseline, ray-1, ray-2)"
    )
    return p.parse_args()


# --- the baseline: a plain endpoint, one forward pass per request ------------------------------------


def run_baseline_server(port: int) -> None:
    import uvicorn
    from fastapi import FastAPI
    from pydantic import BaseModel

    from workbench.inference.predict import load_model

    model = load_model(MODEL_NAME)
    app = FastAPI()

    class Body(BaseModel):
        texts: list[str]

    globals()["Body"] = Body  # the endpoint's annotation is resolved in this module's namespace

    @app.get("/v1/ready")
    def ready() -> dict:
        return {"ready": True}

    @app.post("/v1/models/support/predict")
    def predict(body: Body) -> dict:  # sync: FastAPI runs it in its thread pool, as most such apps do
        return {"predictions": [p.to_dict() for p in model.predict(body.texts)]}

    uvicorn.run(app, host=HOST, port=port, log_level="warning")


# --- set-up ---------------------------------------------------------------------------------------------


def ensure_model() -> str:
    from workbench.models.registry import Registry

    registry = Registry()
    if registry.exists(MODEL_NAME):
        return registry.get(MODEL_NAME).id
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    print(f"fine-tuning the default model on {SAMPLE / 'support_train.csv'} (head, 1 epoch)...", flush=True)
    spec = TrainSpec(
        train_data=str(SAMPLE / "support_train.csv"),
        label_col="intent",
        method="head",
        epochs=1,
        name=MODEL_NAME,
    )
    return train(spec, registry=registry).model_id


def start_server(args: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"server {args} exited: {process.stderr.read()}")
        try:
            status, _ = asyncio.run(one_request(port, "GET", "/v1/ready", b""))
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.kill()
    sys.exit(f"server {args} did not become ready in 300 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()


# --- the load generator: keep-alive HTTP/1.1 over asyncio streams (little client overhead) ------------


async def send(reader, writer, method: str, path: str, body: bytes) -> int:
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
    writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def one_request(port: int, method: str, path: str, body: bytes) -> tuple[int, float]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        started = time.perf_counter()
        status = await send(reader, writer, method, path, body)
        return status, time.perf_counter() - started
    finally:
        writer.close()


async def load(port: int, clients: int, texts: list[str], seconds: float, max_requests: int) -> dict:
    latencies: list[float] = []
    counts = {"503": 0, "errors": 0, "sent": 0}
    stop_at = time.perf_counter() + seconds

    async def client(index: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        n = 0
        try:
            while time.perf_counter() < stop_at and counts["sent"] < max_requests:
                counts["sent"] += 1
                text = f"{texts[(index * 7919 + n) % len(texts)]} (ref {index}-{n})"  # unique: no cache hits
                n += 1
                body = json.dumps({"texts": [text]}).encode()
                started = time.perf_counter()
                try:
                    status = await send(reader, writer, "POST", "/v1/models/support/predict", body)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    counts["errors"] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                if status == 200:
                    latencies.append(time.perf_counter() - started)
                elif status == 503:
                    counts["503"] += 1
                else:
                    counts["errors"] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    return summarise(latencies, elapsed, counts)


def summarise(latencies: list[float], elapsed: float, counts: dict) -> dict:
    ms = sorted(x * 1000 for x in latencies) or [float("nan")]

    def pct(q: float) -> float:
        return ms[min(len(ms) - 1, int(q * len(ms)))]

    return {
        "requests": len(latencies),
        "req/s": len(latencies) / elapsed,
        "p50 ms": statistics.median(ms),
        "p95 ms": pct(0.95),
        "p99 ms": pct(0.99),
        "503": counts["503"],
        "errors": counts["errors"],
    }


async def cache_hits(port: int, n: int) -> float:
    reader, writer = await asyncio.open_connection(HOST, port)
    body = json.dumps({"texts": ["My card was charged twice for one order"]}).encode()
    times = []
    try:
        for _ in range(n):
            started = time.perf_counter()
            status = await send(reader, writer, "POST", "/v1/models/support/predict", body)
            times.append(time.perf_counter() - started)
            assert status == 200, status
    finally:
        writer.close()
    return statistics.median(times[10:]) * 1000  # the first answers fill the cache


def measure(name: str, port: int, texts: list[str], args: argparse.Namespace) -> list[dict]:
    rows = []
    asyncio.run(load(port, 4, texts, 1.0, 100))  # warm-up: first forward passes, allocator, threads
    for clients in CLIENTS:
        row = {
            "server": name,
            "clients": clients,
            **asyncio.run(load(port, clients, texts, args.seconds, args.max_requests)),
        }
        print(
            f"  {name:<12} {clients:>2} clients: {row['req/s']:.1f} req/s, p95 {row['p95 ms']:.1f} ms",
            flush=True,
        )
        rows.append(row)
    return rows


def main() -> int:
    args = parse_args()
    os.environ["WORKBENCH_HOME"] = args.home
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.baseline_server:
        run_baseline_server(args.port)
        return 0
    import pandas as pd

    from workbench.serve.deployments import DeploymentStore

    print(machine_info(), flush=True)
    model_id = ensure_model()
    DeploymentStore().deploy("support", model_id, by="benchmark")
    texts = pd.read_csv(SAMPLE / "support_test.csv")["text"].astype(str).tolist()
    serve = [sys.executable, "-m", "workbench.cli.main", "serve", "--no-demo", "--max-texts", "64"]
    servers = {
        "batching": ([*serve, "--port", str(args.port)], args.port),
        "no-batching": ([*serve, "--no-batching", "--port", str(args.port + 1)], args.port + 1),
        "baseline": (
            [
                sys.executable,
                __file__,
                "--baseline-server",
                "--home",
                args.home,
                "--port",
                str(args.port + 2),
            ],
            args.port + 2,
        ),
    }
    if args.ray:
        for replicas in (1, 2):  # Ray's proxy in front of N replicas of the same app (rate limits shared)
            port = args.port + 2 + replicas
            cpus = str(os.cpu_count() // replicas or 1)  # the machine's cores split between the replicas
            ray_serve = [*serve, "--ray", "--replicas", str(replicas), "--replica-cpus", cpus]
            servers[f"ray-{replicas}"] = ([*ray_serve, "--port", str(port)], port)
    if args.only:
        servers = {k: v for k, v in servers.items() if k in args.only.split(",")}
    rows, cache_p50 = [], float("nan")
    for name, (command, port) in servers.items():
        print(f"{name}: starting {' '.join(command[1:4])}...", flush=True)
        process = start_server(command, port)
        try:
            rows += measure(name, port, texts, args)
            if name == "batching":
                cache_p50 = asyncio.run(cache_hits(port, args.cache_requests))
        finally:
            stop_server(process)
    print(f"\nmodel {model_id}; {args.seconds:g} s per level, at most {args.max_requests} requests\n")
    print_table(rows, COLUMNS)
    print(f"\ncache hit: p50 {cache_p50:.2f} ms over {args.cache_requests} requests (1 client, same text)")
    return check_targets(targets(rows, cache_p50))


def targets(rows: list[dict], cache_p50: float) -> list[tuple[str, bool, str]]:
    at = {(r["server"], r["clients"]): r for r in rows}
    if ("ray-1", 32) in at and ("ray-2", 32) in at:
        gain = at["ray-2", 32]["req/s"] / max(at["ray-1", 32]["req/s"], 1e-9)
        print(f"Ray Serve: 2 replicas give {gain:.2f}x the throughput of 1 at 32 clients (no target)")
    if not {("batching", 32), ("baseline", 32)} <= set(at):
        return []  # a partial run (--only): the targets need the batching and baseline rows
    errors = sum(r["errors"] for r in rows if r["server"] == "batching")
    speedup = at["batching", 32]["req/s"] / at["baseline", 32]["req/s"]
    p95, base_p95 = at["batching", 1]["p95 ms"], at["baseline", 1]["p95 ms"]
    return [
        ("0 errors up to 64 clients (batching)", errors == 0, f"{errors} errors"),
        ("batching >= 2.0x baseline throughput at 32 clients", speedup >= 2.0, f"{speedup:.2f}x"),
        (
            "1 client: batching p95 <= baseline p95 + 5 ms",
            p95 <= base_p95 + MAX_WAIT_MS,
            f"{p95:.1f} ms vs {base_p95:.1f} + {MAX_WAIT_MS:g} ms",
        ),
        ("cache hit p50 <= 2 ms over HTTP", cache_p50 <= 2.0, f"{cache_p50:.2f} ms"),
    ]


if __name__ == "__main__":
    sys.exit(main())
