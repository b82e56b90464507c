"""Which ONNX Runtime int8 format the ``onnx-int8`` variant should write: 8-bit signed weights (full
range) against 7-bit weights (``reduce_range``, what the variant writes), on the SST-2 model.

The same graph answers differently by CPU: ONNX Runtime's u8 x s8 kernel on CPUs without VNNI (AVX2
only, e.g. many CI runners and free Spaces) adds pairs of products in int16 with saturation, which a VNNI
CPU does not. Run this script natively and under an AVX2-only emulation to see both:

    python benchmarks/onnx_int8_formats.py                       # accuracy + speed on this CPU
    qemu-x86_64 -cpu Haswell "$(command -v python)" benchmarks/onnx_int8_formats.py --rounds 0
                                                                 # accuracy under AVX2 (no timing)

Targets: the 7-bit graph loses <= 0.5 pt of SST-2 dev accuracy against the fp32 graph and keeps
>= 0.9x the 8-bit graph's throughput (batch 32, dev lengths, interleaved rounds, medians).
The parent is ``sst2-minilm`` from ``benchmarks/train_sst2.py`` (any fine-tuned classifier: ``--model``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, check_targets, print_table, require


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", default=os.environ.get("WORKBENCH_HOME", str(Path.home() / ".workbench")))
    p.add_argument("--model", default="sst2-minilm", help="id of a fine-tuned text classifier")
    p.add_argument("--rows", type=int, default=0, help="dev rows to score (0: all 872)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (0: accuracy only)")
    p.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads")
    return p.parse_args()


def main() -> int:
    args = parse_args()
    os.environ["WORKBENCH_HOME"] = args.home
    import numpy as np
    import pandas as pd
    import torch

    from workbench.inference.predict import load_model, run_batches
    from workbench.models.registry import Registry
    from workbench.variants.onnx import OnnxSequenceClassifier, export_onnx, open_session, quantize_onnx_int8

    if not Registry().exists(args.model):
        sys.exit(f"no model {args.model!r} in {args.home}: train it with benchmarks/train_sst2.py first")
    dev = pd.read_csv(require(SHARED_DATA / "sst2" / "dev.csv"))
    if args.rows:
        dev = dev.head(args.rows)
    parent = load_model(args.model)
    features = parent.encode(dev["text"].astype(str).tolist())
    gold = dev["label"].to_numpy()
    label_of = {name: i for i, name in enumerate(parent.labels)} if parent.labels else {}
    gold = np.array([label_of.get(str(g), g) for g in gold]).astype(int)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export_onnx(parent.model, parent.tokenizer, folder / "fp32.onnx")
        quantize_onnx_int8(folder / "fp32.onnx", folder / "int8-8bit.onnx", reduce_range=False)
        quantize_onnx_int8(folder / "fp32.onnx", folder / "int8-7bit.onnx")
        graphs = {
            name: OnnxSequenceClassifier(open_session(folder / f"{name}.onnx", args.threads))
            for name in ("fp32", "int8-8bit", "int8-7bit")
        }
        outputs = {
            name: np.asarray(run_batches(model, parent.tokenizer, features, batch_size=32))
            for name, model in graphs.items()
        }
        seconds: dict[str, list[float]] = {name: [] for name in graphs}
        for _ in range(args.rounds):
            for name, model in graphs.items():  # interleaved: every format sees the same noise
                started = time.perf_counter()
                run_batches(model, parent.tokenizer, features, batch_size=32)
                seconds[name].append(time.perf_counter() - started)

    reference = outputs["fp32"].argmax(-1)
    rows = []
    for name, logits in outputs.items():
        row = {
            "graph": name,
            "accuracy": float((logits.argmax(-1) == gold).mean()),
            "agreement with fp32": float((logits.argmax(-1) == reference).mean()),
            "max |logit - fp32|": float(np.abs(logits - outputs["fp32"]).max()),
        }
        if args.rounds:
            row["texts/s (median)"] = len(features) / statistics.median(seconds[name])
        rows.append(row)
    by_name = {r["graph"]: r for r in rows}
    print(f"CPU capability seen by torch: {torch.backends.cpu.get_cpu_capability()}; {len(features)} rows")
    print_table(rows, list(rows[0]))
    loss = 100 * (by_name["fp32"]["accuracy"] - by_name["int8-7bit"]["accuracy"])
    targets = [("7-bit accuracy loss vs fp32 <= 0.5 pt", loss <= 0.5, f"{loss:.2f} pt")]
    if args.rounds:
        ratio = by_name["int8-7bit"]["texts/s (median)"] / by_name["int8-8bit"]["texts/s (median)"]
        targets.append(("7-bit throughput >= 0.9x 8-bit", ratio >= 0.9, f"{ratio:.2f}x"))
    return check_targets(targets)


if __name__ == "__main__":
    sys.exit(main())
