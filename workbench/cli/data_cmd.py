"""``workbench data check`` and ``workbench data split``: look at a file before training on it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workbench.cli.seq2seq_flags import SEQ2SEQ, add_pair_flags, apply_pair_flags
from workbench.data.spec import TASK_AUTO, ColumnMap, DataReport, TextDataset
from workbench.tasks import TASKS

EXIT_UNUSABLE = 2
TASK_CHOICES = (TASK_AUTO, *TASKS)


def register(subparsers: Any) -> None:
    data = subparsers.add_parser("data", help="check or split a data file")
    commands = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    check = commands.add_parser("check", help="report every problem of a file (exit 2 when unusable)")
    _add_file_arguments(check)
    check.add_argument("--eval-data", metavar="F", help="evaluation file, to detect texts present in both")
    check.add_argument(
        "--model", metavar="M", help="model folder or 'default': warn about texts it truncates"
    )
    check.add_argument("--max-length", type=int, metavar="N", help="token limit (default: the model's)")
    check.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    check.add_argument(
        "--repair",
        action="store_true",
        help="token files: make I- tags that open an entity B- (seqeval's IOB1->IOB2 rule)",
    )
    check.add_argument(
        "-o", "--output", metavar="OUT", help="token files: write the checked (IOB2, repaired) file here"
    )
    check.set_defaults(func=cmd_check)

    split = commands.add_parser("split", help="write seeded train/val/test CSVs (formula-safe)")
    _add_file_arguments(split)
    split.add_argument("--val", type=float, default=0.1, help="validation fraction (default 0.1)")
    split.add_argument("--test", type=float, default=0.0, help="test fraction (default 0: no test file)")
    split.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    split.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="folder for the CSV files")
    split.set_defaults(func=cmd_split)


def _add_file_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="CSV, TSV, TXT, XLSX or JSON-lines file")
    parser.add_argument("--text-col", default="text", metavar="C", help="text column (default: text)")
    parser.add_argument("--label-col", default="label", metavar="L", help="label column (default: label)")
    parser.add_argument("--no-label", action="store_true", help="the file has no labels (prediction input)")
    parser.add_argument("--text-pair-col", metavar="C2", help="second text column, for sentence pairs")
    parser.add_argument("--task", default=TASK_AUTO, choices=TASK_CHOICES, help="task (default: detect)")
    add_pair_flags(parser)


def _seq2seq_args(args: argparse.Namespace) -> None:
    """Translation flags become the generic ones (source = text column, target = label column)."""
    from workbench.errors import SpecError

    if apply_pair_flags(args, "file", "text_col", "label_col"):
        args.task = SEQ2SEQ
    if not args.file:
        raise SpecError("Give the data file (or --source-file and --target-file for two aligned text files).")


def _columns(args: argparse.Namespace) -> ColumnMap:
    label = None if args.no_label else args.label_col
    return ColumnMap(text=args.text_col, label=label, text_pair=args.text_pair_col)


def cmd_check(args: argparse.Namespace) -> int:
    from workbench.data import check_data
    from workbench.data.token_check import token_format

    _seq2seq_args(args)
    fmt = token_format(args.file, args.task)
    if fmt is not None or args.repair or args.output:
        return _check_token_file(args, fmt)
    tokenizer = _load_tokenizer(args.model) if args.model else None
    report = check_data(
        args.file,
        _columns(args),
        args.task,
        eval_path=args.eval_data,
        tokenizer=tokenizer,
        max_length=args.max_length,
        require_labels=not args.no_label,
        target_file=args.target_file,
    )
    if args.json:
        print(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    for problem in report.errors:
        print(f"error: {problem}", file=sys.stderr)
    return 0 if report.ok else EXIT_UNUSABLE


def _check_token_file(args: argparse.Namespace, fmt: str | None) -> int:
    """``data check`` of a token-level file, optionally writing it back repaired (IOB2)."""
    from workbench.data.token_check import check_token_data
    from workbench.data.token_output import write_token_file
    from workbench.errors import DataError

    if fmt is None:
        raise DataError(
            f"{args.file} is not a token-level file (CoNLL, JSON lines with tokens and tags, or texts with "
            "spans); --repair and --output apply to those only."
        )
    report, _, loaded = check_token_data(args.file, _columns(args), fmt, repair=args.repair)
    print(
        json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2)
        if args.json
        else format_report(report)
    )
    for problem in report.errors:
        print(f"error: {problem}", file=sys.stderr)
    if report.ok and args.output and loaded is not None:
        path = write_token_file(loaded.records, args.output)
        print(f"wrote {len(loaded.records):,} sentences to {path}", file=sys.stderr)
    return 0 if report.ok else EXIT_UNUSABLE


def _load_tokenizer(model: str) -> Any:
    """Only the tokenizer: the length check needs nothing else, and weights take seconds to load."""
    from workbench.models.loading import load_tokenizer, resolve_source

    return load_tokenizer(resolve_source(model))


def format_report(report: DataReport) -> str:
    """The human-readable ``data check`` output."""
    lines = [f"{report.source}: {report.rows_usable:,} usable rows of {report.rows_read:,} read"]
    if report.format:
        lines.append(
            f"format: {report.format}" + (f", tags {report.scheme} (read as IOB2)" if report.scheme else "")
        )
    if report.task:
        kind = "entity types" if report.format else "labels"
        lines.append(f"task: {report.task}" + (f" ({len(report.labels)} {kind})" if report.labels else ""))
    if report.labels:
        width = max(len(label) for label in report.labels)
        lines += [f"  {label:<{width}}  {count:>7,}" for label, count in report.labels.items()]
    lines += [f"warning: {warning}" for warning in report.warnings]
    lines.append(
        "OK: the data can be used." if report.ok else f"NOT USABLE: {len(report.errors)} problem(s)."
    )
    return "\n".join(lines)


def cmd_split(args: argparse.Namespace) -> int:
    from workbench.data import load_dataset, split_dataset
    from workbench.data.export import write_csv_safe

    _seq2seq_args(args)
    ds = load_dataset(
        args.file, _columns(args), args.task, require_labels=not args.no_label, target_file=args.target_file
    )
    parts = dict(
        zip(("train", "val", "test"), split_dataset(ds, args.val, args.test, args.seed), strict=True)
    )
    outdir = Path(args.output)
    for name, part in parts.items():
        if part is not None and part.report.format:  # token-level data: CoNLL files
            from workbench.data.token_output import records_of, write_token_file

            path = write_token_file(records_of(part.frame), outdir / f"{name}.conll")
            print(f"{name}: {len(part):,} sentences -> {path}")
        elif part is not None:
            path = write_csv_safe(_export_frame(part), outdir / f"{name}.csv")
            print(f"{name}: {len(part):,} rows -> {path}")
    for warning in dict.fromkeys(ds.report.warnings):
        print(f"warning: {warning}")
    return 0


def _export_frame(ds: TextDataset) -> Any:
    """Canonical columns back under the user's names, so the files work with the same flags."""
    names = {"text": ds.columns.text, "text_pair": ds.columns.text_pair, "label": ds.columns.label}
    kept = [column for column in ("text", "text_pair", "label") if column in ds.frame]
    return ds.frame[kept].rename(columns=names)
