"""``workbench scan`` and ``workbench rules validate|list|detectors``: the safety rules at the terminal.

``scan`` never prints raw matched text: hits carry spans and masked previews, and the text itself is
shown masked. The exit code is 0 whether or not rules fired (a hit is a finding, not a failure);
a broken rule file or data file exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from workbench.errors import DataError, RuleError


def register(subparsers: Any) -> None:
    scan = subparsers.add_parser("scan", help="check a text or a data file against the safety rules")
    scan.add_argument("text", nargs="?", help="the text to scan (or use --data)")
    scan.add_argument("--data", metavar="FILE", help="scan every text of a CSV, XLSX or JSON-lines file")
    scan.add_argument("--text-col", default="text", metavar="C", help="text column of --data (default: text)")
    scan.add_argument("-o", "--output", metavar="CSV", help="with --data: write one line per hit (masked)")
    scan.add_argument(
        "--rules",
        metavar="YAML",
        help="rule file extending/overriding the default rules (default: the workspace rule file, if any)",
    )
    scan.add_argument("--json", action="store_true", help="print the result as JSON")
    scan.set_defaults(func=cmd_scan)

    rules = subparsers.add_parser("rules", help="validate or list safety rules")
    actions = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="report every problem of a rule file, with its line")
    validate.add_argument("file", help="the YAML rule file")
    validate.set_defaults(func=cmd_validate)
    listing = actions.add_parser("list", help="show the rules in force (defaults + --rules)")
    listing.add_argument(
        "--rules",
        metavar="YAML",
        help="rule file extending/overriding the defaults (default: the workspace rule file, if any)",
    )
    listing.add_argument("--yaml", action="store_true", help="print the full rule set as a rule file")
    listing.set_defaults(func=cmd_list)
    detectors = actions.add_parser("detectors", help="show the detectors a rule can use")
    detectors.set_defaults(func=cmd_detectors)
    _register_safety(subparsers)


def _register_safety(subparsers: Any) -> None:
    safety = subparsers.add_parser("safety", help="train the built-in injection classifier")
    actions = safety.add_subparsers(dest="safety_command", metavar="ACTION", required=True)
    train = actions.add_parser(
        "train-injection",
        help="fine-tune the default model on labelled injection prompts (the injection.classifier rule uses it)",
    )
    from workbench.safety.injection_training import DEFAULT_SOURCES

    *others, last = [path.name for path in DEFAULT_SOURCES[1:]]
    train.add_argument(
        "--data",
        nargs="+",
        metavar="FILE",
        help="CSV/JSONL files with text,label (1/injection, 0/benign); default: the deepset set in "
        f"../shared/data and, in benchmarks/data/, {', '.join(others)} and {last}",
    )
    train.add_argument("--name", default=None, help="model name (default: injection-classifier)")
    train.add_argument(
        "--model",
        default=None,
        metavar="BASE",
        help="base model to fine-tune: hub id or local folder (default: the offline default model)",
    )
    train.add_argument(
        "--social-media",
        nargs="?",
        type=float,
        const=0.25,  # injection_training.SOCIAL_SHARE_WHEN_ASKED (not imported: the CLI starts lighter)
        default=0.0,
        metavar="SHARE",
        help="also train on copies of SHARE (default 0.25) of the prompts framed as social-media posts "
        "(@handles before, #tags after), attacks and benign alike: for traffic with @mentions, which the "
        "default classifier often takes for attacks (see the README's German paragraph for the cost)",
    )
    train.add_argument(
        "--behind-text",
        type=float,
        default=None,
        metavar="SHARE",
        help="share of the prompts also trained on behind a run of other text, attacks and benign alike, as "
        "a long text's windows show an order hidden in it (default 0.25; 0 for none)",
    )
    train.add_argument("--epochs", type=float, default=None, help="passes over the data (default 3)")
    train.add_argument("--max-length", type=int, default=None, help="tokens per text (default 128)")
    train.add_argument("--max-minutes", type=float, default=None, help="time budget in minutes")
    train.add_argument("--json", action="store_true", help="print the model id and metrics as JSON")
    train.set_defaults(func=cmd_train_injection)


def cmd_train_injection(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.cli.model_cmd import _cancel_on_ctrl_c, _report_run
    from workbench.cli.progress_bar import TqdmProgress
    from workbench.safety.injection_training import (
        INJECTION_MODEL_NAME,
        gather_training_data,
        injection_train_spec,
    )
    from workbench.training.runs import create_run, execute_run

    data = gather_training_data(
        [Path(p) for p in args.data] if args.data else None,
        social_share=args.social_media,
        behind_share=args.behind_text,  # None: the recipe's BEHIND_SHARE
    )
    if not args.json:
        framed = f"; {data.framed:,} are copies framed as social-media posts" if data.framed else ""
        framed += f"; {data.behind:,} are copies behind other text" if data.behind else ""
        print(
            f"{data.rows:,} prompts ({data.injections:,} injections{framed}) from {', '.join(data.sources)}"
        )
    spec = injection_train_spec(
        data,
        name=args.name or INJECTION_MODEL_NAME,
        base_model=args.model,
        epochs=args.epochs,
        max_length=args.max_length,
        max_minutes=args.max_minutes,
    )
    run = create_run(spec, owner="cli")
    _cancel_on_ctrl_c(run)
    bar = TqdmProgress("training")
    execute_run(run, extra_progress=bar)
    bar.close()
    code = _report_run(run.id, args.json)
    model_id = run.status().get("model_id")
    if code == 0 and not args.json and model_id and model_id != spec.name:
        print(
            f"rules naming model {spec.name!r} now use {model_id}, its newest training; the older ones stay "
            "in `workbench models` until you remove them"
        )
    if code == 0 and model_id:
        _build_rule_variants(model_id, quiet=args.json)
    return code


def _build_rule_variants(model_id: str, *, quiet: bool) -> None:
    """The variants rules ask of the new model (`variant: int8`); the training stands when one fails."""
    from workbench.errors import WorkbenchError
    from workbench.safety.injection_training import build_rule_variants

    try:
        built = build_rule_variants(model_id)
    except WorkbenchError as error:
        print(
            f"warning: a variant a rule asks of {model_id} could not be built ({error}); until it is, the "
            f"rule asks {model_id} itself (build it with `workbench compress {model_id} --variant ...`)",
            file=sys.stderr,
        )
        return
    for variant in built if not quiet else []:
        print(
            f"{variant.id} ({variant.recipe.get('step')} of {model_id}) is ready: the rules that ask it now use it"
        )


def cmd_scan(args: argparse.Namespace) -> int:
    from workbench.safety import active_rules, scan

    if (args.text is None) == (args.data is None):
        raise DataError("give either a TEXT to scan or --data FILE (not both, not neither)")
    rules = active_rules(args.rules)
    if args.data:
        return _scan_file(args, rules)
    result = scan(args.text, rules=rules)
    if args.json:
        print(json.dumps(result.to_json_dict(), ensure_ascii=False))
        return 0
    for hit in result.hits:
        rule = rules.get(hit.rule)
        found_by = f"  [{rule.detector}: {hit.detail}]" if rule is not None and hit.detail else ""
        print(
            f"{hit.rule:<28} {hit.category:<17} {hit.severity:<8} {hit.action:<6} "
            f"{hit.start:>5}-{hit.end:<5} {hit.masked_preview}{found_by}"
        )
    if not result.hits:
        print("no rule fired")
    for note in result.notes:
        print(f"note: {note}")
    print(f"masked: {result.masked_text}")
    if result.blocked:
        print(f"BLOCKED: {result.block_reason}")
    elif result.needs_review:
        print("needs review")
    return 0


def _scan_file(args: argparse.Namespace, rules: Any) -> int:
    from workbench.cli.progress_bar import TqdmProgress
    from workbench.safety import scan_batch
    from workbench.safety.export import hits_frame, write_safe_csv

    frame = _read_table(args.data)
    if args.text_col not in frame.columns:
        raise DataError(
            f"column {args.text_col!r} not found in {args.data}; its columns are "
            f"{', '.join(map(repr, frame.columns))}: pass the text column with --text-col"
        )
    texts = ["" if value is None else str(value) for value in frame[args.text_col].tolist()]
    bar = TqdmProgress("scanning")
    try:
        results = scan_batch(texts, rules, progress=bar, mask_pii=True)
    finally:
        bar.close()
    first_row = _first_row_number(frame)
    hits = hits_frame(results, range(first_row, first_row + len(texts)))
    if args.output:
        write_safe_csv(hits, args.output)
    summary = _summary(results, hits, args.output)
    print(json.dumps(summary, ensure_ascii=False) if args.json else _format_summary(summary))
    return 0


def _read_table(path: str) -> Any:
    """The data layer's reader (every cell a string, clear errors); plain pandas if it is missing."""
    try:
        from workbench.data.io import read_table
    except ImportError:
        import pandas as pd

        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return read_table(path)


def _first_row_number(frame: Any) -> int:
    """Row numbers as the data layer reports them (spreadsheet rows: header = row 1)."""
    try:
        from workbench.data.io import row_numbering
    except ImportError:
        return 2
    return row_numbering(frame).number(0)


def _summary(results: list[Any], hits: Any, output: str | None) -> dict[str, Any]:
    return {
        "texts": len(results),
        "texts_with_hits": sum(1 for r in results if r.hits),
        "blocked": sum(1 for r in results if r.blocked),
        "needs_review": sum(1 for r in results if r.needs_review),
        "hits_by_rule": dict(Counter(hits["rule"]).most_common()),
        "output": output,
    }


def _format_summary(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['texts']:,} texts scanned: {summary['texts_with_hits']:,} with hits, "
        f"{summary['blocked']:,} blocked, {summary['needs_review']:,} need review"
    ]
    lines += [f"  {rule:<28} {count:>7,}" for rule, count in summary["hits_by_rule"].items()]
    if summary["output"]:
        lines.append(f"hits written to {summary['output']} (masked text and spans only)")
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    from workbench.safety import validate_rules_file

    problems = validate_rules_file(args.file)
    if problems:
        raise RuleError(
            f"{args.file} has {len(problems)} problem(s)", [f"{args.file}, {p}" for p in problems]
        )
    print(f"{args.file}: OK")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from workbench.safety import active_rules

    rules = active_rules(args.rules)
    if args.yaml:
        print(rules.to_yaml(), end="")
        return 0
    for rule in rules:
        state = "" if rule.enabled else " (disabled)"
        print(
            f"{rule.id:<28} {rule.detector:<20} {rule.category:<17} {rule.severity:<8} {rule.action}{state}"
            f"{_asked_model(rule.params)}"
        )
    return 0


def _asked_model(params: Any) -> str:
    """For a model-backed rule: which model it asks now, and a variant it names that is not built yet."""
    from workbench.errors import RegistryError
    from workbench.models.registry import Registry
    from workbench.safety.detectors.model import rule_models

    if not params.get("model"):
        return ""
    try:
        trained, asked = rule_models(params, Registry())
    except RegistryError:
        return f"  asks {params['model']} (not in the workspace yet)"
    variant = params.get("variant")
    if variant and asked.id == trained.id:
        return (
            f"  asks {trained.id} (its {variant} variant is not built: "
            f"`workbench compress {trained.id} --variant {variant}`)"
        )
    return f"  asks {asked.id}"


def cmd_detectors(args: argparse.Namespace) -> int:
    from workbench.safety.detectors import DETECTORS

    for name, detector in DETECTORS.items():
        settings = ", ".join(f"{key}={spec.default!r}" for key, spec in detector.params.items())
        print(f"{name:<22} [{detector.stage}] {detector.description}")
        if settings:
            print(f"{'':<22} settings: {settings}")
    return 0
