"""SST-2 with the default model (all-MiniLM-L6-v2) on this CPU.

Targets (issue 3): >= 90.0 % dev accuracy within a 30-minute training budget, and training throughput
>= 2x that of the same Trainer setup padded to a fixed 128 tokens, measured in this run. Issue 24 adds
the calibration table (ECE and Brier before → after temperature scaling, on the validation split the
temperature is fitted on and on dev) and the target ECE <= 0.05 on the validation split. Model selection
uses a validation split carved from train; the dev set is only used for the reported number.

The default recipe keeps the mean of the weights over the second half of training (``--keep average``),
so no checkpoint is chosen and the validation split (1 % of train, at random) only reports progress. With
``--keep best``, use ``--val-source long``: SST-2's train file holds phrases (median 7 words) while dev holds
whole sentences (median 19), so that split holds out train rows of sentence length (>= --val-min-words
words) and checkpoints are chosen on the kind of text that is reported.

    python benchmarks/train_sst2.py                  # full run (~35 min), model saved as sst2-minilm
    python benchmarks/train_sst2.py --minutes 2 --throughput-steps 5   # smoke run
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, check_targets, machine_info, print_progress, print_table, require


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--home", default="/work/bench-home", help="workspace (WORKBENCH_HOME) to save the model in"
    )
    p.add_argument("--name", default="sst2-minilm")
    p.add_argument("--minutes", type=float, default=30.0, help="training time budget")
    p.add_argument("--epochs", type=float, default=3.0, help="planned; the budget fits the schedule to it")
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--val-source", choices=["long", "random"], default="random")
    p.add_argument("--val-rows", type=int, default=1000, help="validation rows for --val-source long")
    p.add_argument("--val-min-words", type=int, default=12)
    p.add_argument("--val-fraction", type=float, default=0.01, help="for --val-source random")
    p.add_argument("--evals-per-epoch", type=int, default=4)
    p.add_argument("--pooling", choices=["auto", "mean", "native"], default="auto")
    p.add_argument(
        "--keep", choices=["best", "last", "average"], default="average", help="checkpoint kept at the end"
    )
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument(
        "--freeze-embeddings",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="keep the word embeddings as pretrained",
    )
    p.add_argument(
        "--layer-lr-decay", type=float, default=1.0, help="each layer's lr share of the one above (1 = off)"
    )
    p.add_argument("--seed", type=int, default=42, help="split, head initialisation and data order")
    p.add_argument("--throughput-steps", type=int, default=20, help="steps per throughput round")
    p.add_argument("--target", type=float, default=0.90)
    return p.parse_args()


def throughput_ratio(spec, steps: int, rounds: int = 3) -> tuple[float, float]:
    """Samples/s of the Trainer with dynamic padding vs padded to 128, interleaved rounds, medians."""
    from transformers import DataCollatorWithPadding, PrinterCallback, Trainer

    from workbench.models.loading import effective_max_length, load_config, load_tokenizer, resolve_source
    from workbench.training.trainer import build_model, encode_dataset, prepare_data, training_arguments

    source = resolve_source(spec.base_model)
    tokenizer = load_tokenizer(source)
    max_length = effective_max_length(tokenizer, load_config(source), spec.max_length)
    data = prepare_data(spec, tokenizer, max_length)
    from workbench.training.trainer import preprocess_spec

    features = encode_dataset(
        data.task, tokenizer, data.train, data.labels, max_length, preprocess_spec(spec)
    )
    results: dict[str, list[float]] = {"dynamic": [], "fixed128": []}
    collators = {
        "dynamic": DataCollatorWithPadding(tokenizer),
        "fixed128": DataCollatorWithPadding(tokenizer, padding="max_length", max_length=128),
    }
    for _ in range(rounds):
        for name, collator in collators.items():
            args = training_arguments(spec, data.task, f"/tmp/sst2-throughput-{name}", len(features))
            args.max_steps, args.eval_strategy, args.save_strategy = steps, "no", "no"
            args.load_best_model_at_end = False
            model = build_model(spec, source, data.task, data.labels, tokenizer)
            trainer = Trainer(
                model=model,
                args=args,
                train_dataset=features,
                data_collator=collator,
                processing_class=tokenizer,
            )
            trainer.remove_callback(PrinterCallback)
            out = trainer.train()
            results[name].append(out.metrics["train_samples_per_second"])
    return statistics.median(results["dynamic"]), statistics.median(results["fixed128"])


ECE_TARGET = 0.05  # issue 24: expected calibration error on the validation split after calibration
CALIBRATION_COLUMNS = (
    "split",
    "rows",
    "temperature",
    "ece_before",
    "ece_after",
    "brier_before",
    "brier_after",
)


def calibration_rows(validation: dict, dev: dict | None) -> list[dict]:
    """ECE and Brier before → after temperature scaling: on the validation split the temperature was
    fitted on, and on the dev set it never saw (accuracy is unchanged: the argmax does not move)."""
    rows = []
    for split, report in (("validation (fit)", validation), ("dev (held out)", dev or {})):
        if not report.get("before"):
            rows.append({"split": split, "rows": report.get("rows", 0), "temperature": "not calibrated"})
            continue
        before, after = report["before"], report["after"]
        rows.append(
            {
                "split": split,
                "rows": report["rows"],
                "temperature": report["temperature"],
                "ece_before": before["ece"],
                "ece_after": after["ece"],
                "brier_before": before["brier"],
                "brier_after": after["brier"],
            }
        )
    return rows


def long_validation_split(train_csv: Path, out_dir: Path, rows: int, min_words: int, seed: int):
    """Hold out ``rows`` train rows of at least ``min_words`` words as the validation file."""
    import pandas as pd

    frame = pd.read_csv(train_csv, dtype=str, keep_default_na=False)
    long_rows = frame[frame["text"].str.split().str.len() >= min_words]
    val = long_rows.sample(n=min(rows, len(long_rows)), random_state=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_path, val_path = out_dir / "train.csv", out_dir / "validation.csv"
    frame.drop(index=val.index).to_csv(train_path, index=False)
    val.to_csv(val_path, index=False)
    return train_path, val_path


def main() -> int:
    args = parse_args()
    os.environ["WORKBENCH_HOME"] = args.home
    from workbench.data import ColumnMap
    from workbench.evaluation.evaluate import evaluate
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    train_csv = require(SHARED_DATA / "sst2" / "train.csv")
    dev_csv = require(SHARED_DATA / "sst2" / "dev.csv")
    eval_data = None
    if args.val_source == "long":
        train_csv, eval_data = long_validation_split(
            train_csv,
            Path(args.home) / "benchmark-data" / "sst2",
            args.val_rows,
            args.val_min_words,
            args.seed,
        )
    spec = TrainSpec(
        train_data=str(train_csv),
        eval_data=str(eval_data) if eval_data else None,
        base_model="default",
        name=args.name,
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        max_length=128,
        val_fraction=args.val_fraction,
        evals_per_epoch=args.evals_per_epoch,
        max_minutes=args.minutes,
        warmup_ratio=0.06,
        pooling=args.pooling,
        keep=args.keep,
        label_smoothing=args.label_smoothing,
        freeze_embeddings=args.freeze_embeddings,
        layer_lr_decay=args.layer_lr_decay,
        seed=args.seed,
    )
    print(f"machine: {machine_info()}")
    dyn, fixed = throughput_ratio(spec, args.throughput_steps)
    started = time.monotonic()
    result = train(spec, progress=print_progress)
    wall = time.monotonic() - started
    dev_result = evaluate(result.model_id, dev_csv, ColumnMap(text="text", label="label"))
    dev = dev_result.metrics
    rows = [
        {
            "model": result.model_id,
            "dev_accuracy": dev["accuracy"],
            "dev_f1_macro": dev["f1_macro"],
            "train_minutes": result.train_seconds / 60,
            "wall_minutes": wall / 60,
            "samples_per_s": result.samples_per_second,
            "steps": result.record.extra["train"]["steps"],
            "averaged": result.record.extra["train"].get("averaged_weights", "-"),
            "stop": result.status,
        }
    ]
    print_table(rows, list(rows[0]))
    print()
    print_table(
        [
            {"padding": "dynamic + length-grouped", "samples_per_s": dyn},
            {"padding": "fixed 128", "samples_per_s": fixed},
        ],
        ["padding", "samples_per_s"],
    )
    print()
    calibration = result.record.extra.get("calibration") or {}
    print_table(calibration_rows(calibration, dev_result.calibration), list(CALIBRATION_COLUMNS))
    val_ece = (calibration.get("after") or {}).get("ece", float("nan"))
    return check_targets(
        [
            (f"dev accuracy >= {args.target:.1%}", dev["accuracy"] >= args.target, f"{dev['accuracy']:.4f}"),
            (
                f"validation ECE after calibration <= {ECE_TARGET}",
                val_ece <= ECE_TARGET,
                f"{val_ece:.4f} (temperature {calibration.get('temperature', 1.0):.3g})",
            ),
            (
                f"training within {args.minutes:g} min",
                result.train_seconds <= args.minutes * 60 + 60,
                f"{result.train_seconds / 60:.1f} min",
            ),
            ("throughput >= 2x fixed-128 padding", dyn >= 2 * fixed, f"{dyn / fixed:.2f}x"),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
