"""``workbench tune DATA --trials N --max-minutes M``: Optuna search over training runs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    from workbench.cli.model_cmd import TRAIN_FLAGS, TRAIN_SWITCHES, add_spec_flags

    p = subparsers.add_parser(
        "tune", help="search learning rate, epochs, batch size (and adapter rank); keep the best model"
    )
    p.add_argument("train_data", help="training file (CSV/TSV/XLSX/JSONL)")
    p.add_argument("--trials", type=int, default=10, help="trainings to try (default 10)")
    p.add_argument(
        "--max-minutes",
        dest="search_minutes",
        type=float,
        default=None,
        help="time for the whole search: no trial starts after it (a started trial finishes)",
    )
    per_trial = {k: v for k, v in TRAIN_FLAGS.items() if k != "max_minutes"}  # the search's budget here
    add_spec_flags(p, per_trial, TRAIN_SWITCHES)
    p.add_argument("--json", action="store_true", help="print the trials as JSON")
    p.set_defaults(func=cmd_tune)


def cmd_tune(args: argparse.Namespace) -> int:
    from workbench.training.spec import TrainSpec
    from workbench.training.tune import tune

    values = {k: v for k, v in vars(args).items() if k in TrainSpec.__dataclass_fields__}
    result = tune(
        TrainSpec(**values),
        args.trials,
        args.search_minutes,
        progress=lambda e: print(e.message, file=sys.stderr),
        owner="cli",
    )
    if args.json:
        print(json.dumps({"best_model_id": result.best_model_id, "trials": result.table()}, default=str))
        return 0
    for row in result.table():
        print("  ".join(f"{k}={v}" for k, v in row.items()))
    print(f"best model: {result.best_model_id}")
    return 0
