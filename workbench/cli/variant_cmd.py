"""``workbench compress`` (build a variant) and ``workbench compare`` (measure variants side by side)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workbench.cli.seq2seq_flags import add_pair_flags, apply_pair_flags
from workbench.errors import SpecError
from workbench.progress import ProgressEvent

OPTION_FLAGS: dict[str, tuple[str, type]] = {  # VariantSpec option -> CLI flag and type
    "layer_choice": ("--layer-choice", str),
    "epochs": ("--epochs", float),
    "learning_rate": ("--lr", float),
    "batch_size": ("--batch-size", int),
    "temperature": ("--temperature", float),
    "alpha": ("--alpha", float),
    "max_minutes": ("--max-minutes", float),
    "max_rows": ("--max-rows", int),
    "val_fraction": ("--val-fraction", float),
    "seed": ("--seed", int),
    "compute": ("--compute", str),
}


class PhaseProgress:
    """A tqdm bar on stderr per phase: a new bar whenever a log line or a new total arrives."""

    def __init__(self) -> None:
        from workbench.cli.progress_bar import TqdmProgress

        self.bar = TqdmProgress("working")
        self.total = 0

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "log" or (event.kind == "step" and event.total_steps != self.total):
            self.bar.close()
            self.total = event.total_steps if event.kind == "step" else 0
            self.bar.description = event.message or "working"
        self.bar(event)

    def close(self) -> None:
        self.bar.close()


def _variants_epilog() -> str:
    from workbench.variants import list_variants

    lines = ["variants (stack with +, e.g. distill:3+int8):"]
    lines += [f"  {v['usage']:<14} {v['description']}" for v in list_variants()]
    return "\n".join(lines)


def _add_columns(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-col", default="text", help="column with the text (default: text)")
    p.add_argument("--label-col", default="label", help="column with the gold label (default: label)")
    p.add_argument("--text-pair-col", default=None, help="second text column (sentence pairs)")


def register(subparsers: Any) -> None:
    from workbench.variants.spec import VariantSpec

    info = VariantSpec.field_info()
    epilog = _variants_epilog()
    p = subparsers.add_parser(
        "compress",
        help="build a smaller/faster variant of a model (int8, drop-layers:K, distill:K...)",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", help="id of the model to compress")
    p.add_argument(
        "--variant", required=True, metavar="SPEC", help="e.g. int8, drop-layers:3, distill:3+int8"
    )
    p.add_argument("--data", help="labelled training file (needed by distill)")
    _add_columns(p)
    p.add_argument("--name", help="id/name of the new variant (default: <model>-<variant>)")
    for name, (flag, kind) in OPTION_FLAGS.items():
        p.add_argument(
            flag,
            dest=name,
            type=kind,
            default=argparse.SUPPRESS,
            help=info[name]["help"],
            choices=info[name].get("choices"),
        )
    p.add_argument("--json", action="store_true", help="print the new variant's record as the last line")
    p.add_argument(
        "--queue",
        action="store_true",
        help="build in a background worker (the training queue) and return at once; follow it with "
        "`workbench runs show JOB`, stop it with `workbench runs cancel JOB`",
    )
    p.set_defaults(func=cmd_compress)

    p = subparsers.add_parser(
        "compare",
        help="measure a model and its variants side by side on a labelled file",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", help="id of the reference (parent) model")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--variants", help="comma-separated variant ids")
    which.add_argument("--all-variants", action="store_true", help="every variant built from MODEL")
    p.add_argument("--data", required=True, help="labelled evaluation file")
    _add_columns(p)
    add_pair_flags(p, files=False)  # seq2seq: --source-column / --target-column
    p.add_argument("--rounds", type=int, default=5, help="interleaved throughput rounds (median reported)")
    p.add_argument("--latency-rows", type=int, default=100, help="texts timed one by one per model")
    p.add_argument("--threads", type=int, default=None, help="torch/ORT threads (default: torch's default)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory child processes")
    p.add_argument("--plots", metavar="DIR", help="also write the two trade-off charts as HTML into DIR")
    p.add_argument("--json", action="store_true", help="print the rows as one JSON list (last line)")
    p.set_defaults(func=cmd_compare)


def _columns(args: argparse.Namespace) -> Any:
    from workbench.data import ColumnMap

    return ColumnMap(text=args.text_col, label=args.label_col, text_pair=args.text_pair_col)


def cmd_compress(args: argparse.Namespace) -> int:
    from workbench.variants import build_variant, parse_variant_spec

    options = {k: v for k, v in vars(args).items() if k in OPTION_FLAGS}
    if args.queue:
        return _queue_compress(args, options)
    spec = parse_variant_spec(args.variant, **options)
    progress = PhaseProgress()
    try:
        record = build_variant(
            args.model,
            spec,
            data=args.data,
            columns=_columns(args) if args.data else None,
            name=args.name,
            progress=progress,
        )
    finally:
        progress.close()
    if args.json:
        print(
            json.dumps({"model_id": record.id, "parent": record.parent, "recipe": record.recipe}, default=str)
        )
    else:
        print(
            f"saved variant {record.id} ({record.recipe['step']} of {record.parent}); "
            f"compare it: workbench compare {record.recipe.get('root', record.parent)} --all-variants --data FILE"
        )
    return 0


def _queue_compress(args: argparse.Namespace, options: dict[str, Any]) -> int:
    from workbench.variants.jobs import BuildJobSpec, start_build

    if args.name:
        raise SpecError("--name cannot be used with --queue: queued variants are named <model>-<variant>.")
    data = {"data": args.data, "columns": _columns(args).to_dict()} if args.data else {}
    run = start_build(BuildJobSpec(args.model, (args.variant,), options, **data), owner="cli")
    if args.json:
        print(json.dumps({"job_id": run.id, "state": run.status()["state"]}))
    else:
        print(f"queued variant build {run.id}; follow it: workbench runs show {run.id}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from workbench.variants import compare_models, plot_accuracy_vs_size, plot_accuracy_vs_throughput
    from workbench.variants.compare import format_comparison, table_records

    apply_pair_flags(args, "data", "text_col", "label_col")
    if args.rounds < 1 or args.latency_rows < 1:
        raise SpecError(
            f"--rounds and --latency-rows must be at least 1; got {args.rounds} and {args.latency_rows}."
        )
    progress = PhaseProgress()
    try:
        table = compare_models(
            args.model,
            "all" if args.all_variants else args.variants,
            args.data,
            _columns(args),
            progress=progress,
            rounds=args.rounds,
            latency_rows=args.latency_rows,
            threads=args.threads,
            memory=not args.no_memory,
        )
    finally:
        progress.close()
    if args.plots:
        folder = Path(args.plots)
        folder.mkdir(parents=True, exist_ok=True)
        plot_accuracy_vs_throughput(table).save(str(folder / "accuracy_vs_throughput.html"))
        plot_accuracy_vs_size(table).save(str(folder / "accuracy_vs_size.html"))
        print(f"wrote charts to {folder}", file=sys.stderr)
    if args.json:
        print(json.dumps(table_records(table)))
    else:
        print(format_comparison(table))
    return 0
