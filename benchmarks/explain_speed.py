"""Explanation speed and agreement: fast and precise defaults vs a high-budget reference and shap's
default ``shap.Explainer(transformers.pipeline(...))``, interleaved sentence by sentence.

    python benchmarks/explain_speed.py --home /work/bench-home --model sst2-minilm --n 50

Targets (issue 5): fast ≤ 1.0 s median per sentence with mean Spearman ≥ 0.85 against the 2,000-eval
reference and ≥ 8x faster than the pipeline default; precise Spearman ≥ 0.95 at ≤ 2.0 s. Prints the
budget → seconds/Spearman curve behind the defaults. Exits 1 when a target is missed.
``--backend torch`` shows the PyTorch-only path (no onnxruntime): about 1.8x slower per evaluation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, SHARED_DATA, check_targets, machine_info, print_table, require

sys.path.insert(0, str(REPO))
TARGETS = {"fast": (1.0, 0.85), "precise": (2.0, 0.95)}
MIN_SPEEDUP = 8.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", default="/work/bench-home", help="workspace (WORKBENCH_HOME) holding the model")
    p.add_argument("--model", default="sst2-minilm", help="model id fine-tuned on SST-2")
    p.add_argument("--data", default=str(SHARED_DATA / "sst2" / "dev.csv"), help="SST-2 dev CSV (text,label)")
    p.add_argument("--n", type=int, default=50, help="sentences")
    p.add_argument("--min-words", type=int, default=15)
    p.add_argument("--max-words", type=int, default=25)
    p.add_argument("--reference", type=int, default=2000, help="evaluations of the reference explanation")
    p.add_argument("--curve", default="100,150,200,300,400,600", help="budgets for the curve")
    p.add_argument("--pipeline-n", type=int, default=10, help="sentences also explained the pipeline way")
    p.add_argument("--backend", default="auto", choices=("auto", "torch", "onnx"), help="forward passes on")
    return p.parse_args()


def pick_sentences(path: str, n: int, low: int, high: int) -> list[str]:
    import pandas as pd

    frame = pd.read_csv(path)
    words = frame["text"].str.split().str.len()
    return frame[(words >= low) & (words <= high)]["text"].head(n).tolist()


def timed_explanation(model, text: str, spec):
    from explain import explain_texts

    started = time.perf_counter()
    result = explain_texts(model, [text], spec=spec)[0]
    return time.perf_counter() - started, result


def pipeline_explainer(model):
    """shap's documented path: a transformers pipeline handed to ``shap.Explainer`` with defaults."""
    import shap
    import transformers

    pipe = transformers.pipeline(
        "text-classification", model=model.model, tokenizer=model.tokenizer, top_k=None
    )
    return shap.Explainer(pipe)


def spearman(a, b) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic) if len(a) > 1 else 1.0


def run(args: argparse.Namespace) -> dict[str, list[tuple[float, float, int]]]:
    from explain import ExplainSpec
    from workbench.inference.predict import MODEL_CACHE

    model = MODEL_CACHE.get(args.model)
    texts = pick_sentences(args.data, args.n, args.min_words, args.max_words)
    methods = {
        "fast": ExplainSpec(use_cache=False, backend=args.backend),
        "precise": ExplainSpec(mode="precise", use_cache=False, backend=args.backend),
        **{
            f"budget {b}": ExplainSpec(max_evals=b, use_cache=False, faithfulness_k=0, backend=args.backend)
            for b in _curve(args)
        },
    }
    reference_spec = ExplainSpec(
        max_evals=args.reference, use_cache=False, faithfulness_k=0, backend=args.backend
    )
    timed_explanation(model, "a short warm-up sentence .", methods["fast"])  # numba JIT, first batch
    pipeline = pipeline_explainer(model) if args.pipeline_n else None
    if pipeline is not None:
        pipeline(["a short warm-up sentence ."], silent=True)
    rows: dict[str, list[tuple[float, float, int]]] = {
        name: [] for name in [*methods, "reference", "pipeline"]
    }
    for i, text in enumerate(texts):
        ref_seconds, reference = timed_explanation(model, text, reference_spec)
        truth = reference.values[:, 0]
        rows["reference"].append((ref_seconds, 1.0, reference.evals))
        for name, spec in methods.items():
            seconds, result = timed_explanation(model, text, spec)
            rows[name].append((seconds, spearman(result.values[:, 0], truth), result.evals))
        if pipeline is not None and i < args.pipeline_n:
            started = time.perf_counter()
            pipeline([text], silent=True)
            rows["pipeline"].append((time.perf_counter() - started, float("nan"), 500))
        print(f"{i + 1}/{len(texts)} sentences", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return rows


def _curve(args: argparse.Namespace) -> list[int]:
    return [int(b) for b in args.curve.split(",") if b]


def summarise(rows: dict[str, list[tuple[float, float, int]]]) -> list[dict]:
    table = []
    for name, data in rows.items():
        rhos = [d[1] for d in data if d[1] == d[1]]
        table.append({
            "method": name,
            "sentences": len(data),
            "mean evals": round(statistics.fmean(d[2] for d in data)),
            "median s": statistics.median(d[0] for d in data),
            "mean rho": statistics.fmean(rhos) if rhos else None,
            "min rho": min(rhos) if rhos else None,
        })  # fmt: skip
    return [row for row in table if row["sentences"]]


def targets(rows: dict[str, list[tuple[float, float, int]]], pipeline_n: int) -> list[tuple[str, bool, str]]:
    out = []
    for name, (max_seconds, min_rho) in TARGETS.items():
        seconds = statistics.median(d[0] for d in rows[name])
        rho = statistics.fmean(d[1] for d in rows[name])
        out.append((f"{name} speed", seconds <= max_seconds, f"{seconds:.3f} s median (≤ {max_seconds})"))
        out.append((f"{name} agreement", rho >= min_rho, f"mean Spearman {rho:.3f} (≥ {min_rho})"))
    if rows["pipeline"]:
        fast_same = statistics.median(d[0] for d in rows["fast"][:pipeline_n])
        speedup = statistics.median(d[0] for d in rows["pipeline"]) / fast_same
        detail = f"{speedup:.1f}x on the same {len(rows['pipeline'])} sentences (≥ {MIN_SPEEDUP}x)"
        out.append(("fast vs pipeline default", speedup >= MIN_SPEEDUP, detail))
    return out


def main() -> int:
    args = parse_args()
    os.environ["WORKBENCH_HOME"] = args.home
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    require(Path(args.data))
    print(machine_info())
    print(
        f"model {args.model} in {args.home}; {args.n} SST-2 dev sentences of {args.min_words}-{args.max_words} "
        f"words; reference {args.reference} evals (capped at the exact count); backend {args.backend}; "
        "methods interleaved per sentence"
    )
    rows = run(args)
    print_table(summarise(rows), ["method", "sentences", "mean evals", "median s", "mean rho", "min rho"])
    return check_targets(targets(rows, args.pipeline_n))


if __name__ == "__main__":
    sys.exit(main())
