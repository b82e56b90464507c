"""Training throughput of 1 vs N processes (data-parallel, torchrun; gloo on CPU, nccl with --gpus):
the default model (all-MiniLM-L6-v2) on an SST-2 slice, through ``workbench train`` run folders.

Samples/s is what the run trained (epochs done x rows / training seconds), as recorded with the model,
so start-up (process launch, model load) is not counted. The same effective batch is kept: with two
processes each takes half of it. On a 2-core CPU two processes split the same two cores that one
process already uses through its threads, so expect no gain there; the script reports the ratio as
measured and has no target.

    python benchmarks/train_scaling.py                      # 1 vs 2 CPU processes, 1,600 rows, 1 epoch
    python benchmarks/train_scaling.py --gpus 2 --rows 20000 # on a GPU box: 1 GPU vs 2 GPUs
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]
from _common import SHARED_DATA, machine_info, print_table, require  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1600, help="training rows from SST-2 (default 1600)")
    p.add_argument("--batch-size", type=int, default=32, help="effective batch (default 32)")
    p.add_argument("--processes", type=int, default=2, help="CPU processes to compare with one")
    p.add_argument("--gpus", type=int, default=0, help="compare 1 GPU with this many instead of CPU runs")
    p.add_argument("--home", default=None, help="workspace for the runs (default: a temporary folder)")
    return p.parse_args()


def slice_csv(rows: int, folder: Path) -> Path:
    import pandas as pd

    frame = pd.read_csv(require(SHARED_DATA / "sst2" / "train.csv")).sample(n=rows, random_state=0)
    path = folder / "sst2-slice.csv"
    frame.to_csv(path, index=False)
    return path


def measure(csv: Path, batch_size: int, processes: int, gpus: int) -> dict:
    from workbench.models.registry import Registry
    from workbench.training.runs import run_in_process
    from workbench.training.spec import TrainSpec

    spec = TrainSpec(
        train_data=str(csv),
        name=f"scaling-{gpus or processes}",
        epochs=1.0,
        batch_size=batch_size,
        val_fraction=0.05,
        processes=1 if gpus else processes,
        gpus=gpus,
    )
    load_before = os.getloadavg()[0]
    run = run_in_process(spec)
    status = run.status()
    if status["state"] != "completed":
        raise SystemExit(f"run {run.id} {status['state']}: {status.get('error')}\n{run.log_tail()}")
    stats = Registry().get(status["model_id"]).extra["train"]
    return {
        "processes": gpus or processes,
        "device": stats["placement"]["device"],
        "per_process_batch": stats["placement"]["per_device_batch"],
        "steps": stats["steps"],
        "train_s": stats["seconds"],
        "samples_per_s": stats["samples_per_second"],
        "accuracy": status["metrics"].get("accuracy"),
        # other work on the machine shifts the ratio (and N processes get N shares of a busy CPU)
        "load_1min": f"{load_before:.1f}-{os.getloadavg()[0]:.1f}",
        "peak_load": max(load_before, os.getloadavg()[0]),
    }


def main() -> int:
    args = parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="workbench-scaling-"))
    os.environ["WORKBENCH_HOME"] = str(home)
    csv = slice_csv(args.rows, home)
    print(f"machine: {machine_info()}")
    print(f"data: {args.rows} SST-2 training rows, 1 epoch, effective batch {args.batch_size}\n")
    if args.gpus:
        rows = [measure(csv, args.batch_size, 1, 1), measure(csv, args.batch_size, 1, args.gpus)]
    else:
        rows = [measure(csv, args.batch_size, 1, 0), measure(csv, args.batch_size, args.processes, 0)]
    print_table(
        rows,
        [
            "processes",
            "device",
            "per_process_batch",
            "steps",
            "train_s",
            "samples_per_s",
            "accuracy",
            "load_1min",
        ],
    )
    ratio = rows[1]["samples_per_s"] / rows[0]["samples_per_s"]
    print(f"\nspeed-up of {rows[1]['processes']} processes over 1: {ratio:.2f}x")
    cores = os.cpu_count() or 1
    if max(r["peak_load"] for r in rows) > cores:
        print(
            f"the 1-minute load average went above the {cores} cores: other work shared the CPU, so this"
            " ratio measures the contention as much as the processes; rerun on an idle machine"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
