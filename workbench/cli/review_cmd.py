"""``workbench review create / status / export / list / delete``: label review from the terminal."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from workbench.errors import DataError
from workbench.progress import ProgressEvent


def register(subparsers: Any) -> None:
    review = subparsers.add_parser("review", help="label review queues (suggest, review, export)")
    commands = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)

    create = commands.add_parser("create", help="suggest a label for every text of a file and queue them")
    create.add_argument("name", help="queue name (shared by everyone using this workspace)")
    create.add_argument("file", help="CSV, TSV, XLSX or JSON-lines file with the texts")
    create.add_argument("--text-col", default="text", metavar="C", help="text column (default: text)")
    create.add_argument("--text-pair-col", metavar="C2", help="second text column (needs --model)")
    source = create.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="ID", help="fine-tuned classifier that suggests the labels")
    source.add_argument("--labels", metavar="A,B,C", help="label names for zero-shot suggestions")
    source.add_argument(
        "--label-descriptions", metavar="YAML", help="zero-shot labels with short descriptions (label: text)"
    )
    create.add_argument("--owner", default="", help="who creates the queue")
    create.add_argument(
        "--overwrite", action="store_true", help="replace a queue of that name and its decisions"
    )
    create.set_defaults(func=cmd_create)

    status = commands.add_parser("status", help="progress and agreement of a queue")
    status.add_argument("name")
    status.add_argument("--json", action="store_true", help="print the statistics as JSON")
    status.set_defaults(func=cmd_status)

    export = commands.add_parser(
        "export",
        help="write the reviewed labels as a formula-safe CSV (entity queues: JSON-lines spans or CoNLL)",
    )
    export.add_argument("name")
    export.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="file to write (.csv; entity queues .jsonl or .conll)",
    )
    export.add_argument(
        "--format",
        choices=("jsonl", "conll"),
        help="entity queues: JSON-lines spans or CoNLL IOB2 (default: from the file name, CoNLL unless .jsonl)",
    )
    export.add_argument(
        "--mask-pii", action="store_true", help="mask personal data (e-mails, phones...) in the text columns"
    )
    export.set_defaults(func=cmd_export)

    listing = commands.add_parser("list", help="list the queues of the workspace")
    listing.set_defaults(func=cmd_list)

    delete = commands.add_parser("delete", help="delete a queue and all its decisions")
    delete.add_argument("name")
    delete.set_defaults(func=cmd_delete)


def read_label_descriptions(path: str | Path) -> dict[str, str]:
    """A YAML mapping ``label: short description``; keys become label names in file order."""
    import yaml

    from workbench import safe_yaml

    file = Path(path)
    try:
        data = safe_yaml.load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"Label descriptions file {str(path)!r} does not exist. Check the path.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise DataError(f"{path}: not valid YAML{where}. Write one 'label: description' per line.") from None
    if not isinstance(data, dict) or not data:
        raise DataError(
            f"{path}: expected 'label: description' lines (a YAML mapping), got {type(data).__name__}."
        )
    return {str(label): text for label, text in data.items()}


class PhaseBars:
    """One terminal bar per phase (predicting, scanning...): each phase counts its own steps."""

    def __init__(self) -> None:
        self.phase = ""
        self.bar: Any = None

    def __call__(self, event: ProgressEvent) -> None:
        from workbench.cli.progress_bar import TqdmProgress

        if event.kind == "step" and event.message != self.phase:
            self.close()
            self.phase, self.bar = event.message, TqdmProgress(event.message)
        if self.bar is not None:
            self.bar(event)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def cmd_create(args: argparse.Namespace) -> int:
    from workbench.data import read_table
    from workbench.review import create_queue

    descriptions = read_label_descriptions(args.label_descriptions) if args.label_descriptions else None
    labels = [part.strip() for part in args.labels.split(",")] if args.labels else None
    bar = PhaseBars()
    try:
        summary = create_queue(
            args.name,
            read_table(args.file),
            text_col=args.text_col,
            text_pair_col=args.text_pair_col,
            model_id=args.model,
            labels=labels,
            label_descriptions=descriptions,
            owner=args.owner,
            overwrite=args.overwrite,
            progress=bar,
        )
    finally:
        bar.close()
    print(f"Queue {summary.name!r}: {summary.total} texts, suggestions by {summary.suggested_by}.")
    for note in summary.notes:
        print(f"note: {note}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from workbench.review import queue_stats

    stats = queue_stats(args.name)
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    print(
        f"Queue {args.name!r}: {stats['progress_text']} ({stats['accepted']} accepted, {stats['corrected']} "
        f"corrected, {stats['skipped']} skipped, {stats['pending']} pending); suggestions by {stats['suggested_by']}"
    )
    agreement = "n/a" if stats["agreement"] is None else f"{stats['agreement']:.1%}"
    kappa = stats["kappa_note"] if stats["kappa"] is None else f"{stats['kappa']:.3f}"
    print(f"agreement with suggestions: {agreement}; Cohen's kappa: {kappa}")
    print(f"{'label':<24} {'suggested':>9} {'kept':>6} {'gold':>6} {'precision':>9} {'recall':>7}")
    for row in stats["per_label"]:
        cells = [_pct(row[k]) for k in ("precision", "recall")]
        print(
            f"{row['label'][:24]:<24} {row['suggested']:>9} {row['kept']:>6} {row['gold']:>6} {cells[0]:>9} {cells[1]:>7}"
        )
    return 0


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def cmd_export(args: argparse.Namespace) -> int:
    from workbench.review import export_corrections, get_queue

    summary = get_queue(args.name)
    if summary.kind == "entities":
        return _export_entities(args, summary)
    path = export_corrections(args.name, args.output, mask_pii=args.mask_pii)
    print(f"Wrote {get_queue(args.name).reviewed} reviewed labels to {path} (formula-safe CSV).")
    return 0


def _export_entities(args: argparse.Namespace, summary: Any) -> int:
    from workbench.review.entity_export import export_entities, export_format

    if args.mask_pii:
        raise DataError(
            "--mask-pii is not available for entity queues: masking would move the entities' character "
            "offsets. Export without it (the entities are the texts' personal data to review)."
        )
    fmt = export_format(args.output, args.format)
    path = export_entities(args.name, args.output, fmt)
    what = "JSON-lines spans" if fmt == "jsonl" else "CoNLL, IOB2"
    print(f"Wrote the entities of {summary.reviewed} reviewed texts to {path} ({what}).")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from workbench.review import list_queues

    queues = list_queues()
    if not queues:
        print("No review queues yet. Create one with `workbench review create NAME FILE --labels a,b`.")
    for q in queues:
        print(f"{q.name}\t{q.progress_text}\t{q.suggested_by}\tcreated {q.created}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from workbench.review import delete_queue

    delete_queue(args.name)
    print(f"Deleted queue {args.name!r} and its decisions.")
    return 0
