"""``workbench explain``: why a model decided, for one text or a whole file.

workbench explain MODEL "the acting was wooden but the ending made up for it" [--json]
workbench explain MODEL --data test.csv --text-col text --limit 200 --html report.html
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from workbench.errors import DataError, SpecError

SCALE_HELP = (
    "explained output: logit (default) = log-odds of the label's probability, log(p/(1-p)); "
    "probability = the probability itself. Either way base_value + sum(values) = output on that scale "
    "(regression always explains the predicted value)"
)
SPEC_FLAGS = {  # ExplainSpec field -> flag
    "mode": "--mode",
    "max_evals": "--max-evals",
    "scale": "--scale",
    "masking": "--masking",
    "explainer": "--explainer",
    "max_classes": "--max-classes",
    "seed": "--seed",
    "batch_size": "--batch-size",
    "faithfulness_k": "--faithfulness-k",
    "backend": "--backend",
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "explain",
        help="SHAP explanation of predictions (one text, or a file with --data)",
        description="Which words pushed the model toward each label. " + SCALE_HELP + ".",
    )
    p.add_argument("model", help="model id or name in the workspace")
    p.add_argument("text", nargs="?", help="the text to explain (or use --data)")
    p.add_argument("--pair", help="second text, for models trained on text pairs")
    _add_spec_flags(p)
    p.add_argument(
        "--label",
        action="append",
        dest="labels",
        default=None,
        help="label to explain (repeatable); default: the most likely labels, predicted first",
    )
    p.add_argument(
        "--entity",
        type=int,
        default=None,
        metavar="N",
        help="token-classification models: explain the N-th predicted entity (0 = the first, the default)",
    )
    p.add_argument("--no-cache", action="store_true", help="recompute instead of using cached explanations")
    p.add_argument(
        "--json",
        action="store_true",
        help='print JSON: {"label", "base_value", "output", "tokens", "values", "scale", ...}',
    )
    p.add_argument("--html", help="also write a standalone HTML heatmap (no internet needed) to this file")
    data = p.add_argument_group("a whole file")
    data.add_argument("--data", help="CSV/TSV/XLSX/JSONL file of texts to explain")
    data.add_argument("--text-col", default="text", help="column with the texts (default: text)")
    data.add_argument("--text-pair-col", help="column with the second texts (pair models)")
    data.add_argument("--label-col", help="gold labels, for --cohort errors/correct/label:<name>")
    data.add_argument("--limit", type=int, default=None, help="explain only the first N rows")
    data.add_argument(
        "--cohort",
        default="all",
        help="global view over: all, errors, correct, label:<name>, predicted:<name>",
    )
    data.add_argument("--top", type=int, default=10, help="words per label in the global view")
    p.set_defaults(func=cmd_explain)


def _add_spec_flags(p: argparse.ArgumentParser) -> None:
    from explain.spec import ExplainSpec

    info = ExplainSpec.field_info()
    for name, flag in SPEC_FLAGS.items():
        help_text = SCALE_HELP if name == "scale" else info[name]["help"]
        kind = str if info[name].get("choices") or name in ("explainer",) else int
        p.add_argument(
            flag,
            dest=name,
            type=kind,
            default=argparse.SUPPRESS,
            help=help_text,
            choices=info[name].get("choices"),
        )


def build_spec(args: argparse.Namespace) -> Any:
    from explain.spec import ExplainSpec

    values = {name: getattr(args, name) for name in SPEC_FLAGS if hasattr(args, name)}
    return ExplainSpec(**values, labels=tuple(args.labels or ()), use_cache=not args.no_cache)


def cmd_explain(args: argparse.Namespace) -> int:
    if bool(args.text is not None) == bool(args.data):
        raise SpecError(
            'Give either one text (workbench explain MODEL "some text") or a file '
            "(workbench explain MODEL --data FILE --text-col C), not both and not neither."
        )
    spec = build_spec(args)
    return _explain_file(args, spec) if args.data else _explain_one(args, spec)


def _explain_one(args: argparse.Namespace, spec: Any) -> int:
    from explain.core import explain_texts, resolve_model
    from explain.entities import explain_entity
    from explain.render import render_report, text_summary

    model = resolve_model(args.model)
    pairs = [args.pair] if args.pair is not None else None
    if args.entity is not None or model.task.predicts_entities:
        result = explain_entity(model, args.text, args.entity or 0, spec)
    else:
        result = explain_texts(model, [args.text], pairs, spec)[0]
    label = args.labels[0] if args.labels else None
    if args.html:
        Path(args.html).write_text(render_report([result], title=f"{result.model_id}"), encoding="utf-8")
    if args.json:
        print(dumps_json(result.to_json_dict(label)))
    else:
        print(text_summary(result, label))
        if args.html:
            print(f"wrote {args.html}")
    return 0


def _explain_file(args: argparse.Namespace, spec: Any) -> int:
    from explain.core import explain_texts, resolve_model
    from explain.faithfulness import faithfulness
    from explain.global_view import global_importance
    from explain.render import render_report
    from workbench.cli.progress_bar import TqdmProgress
    from workbench.data import read_table

    frame = read_table(args.data)
    wanted = [c for c in (args.text_col, args.text_pair_col, args.label_col) if c]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(
            f"Column(s) {', '.join(map(repr, missing))} not found in {args.data}. The file has: "
            f"{', '.join(map(repr, frame.columns))}. Pass --text-col (and --text-pair-col/--label-col) with those."
        )
    if args.limit is not None:
        if args.limit < 1:
            raise SpecError(f"--limit must be at least 1, got {args.limit}")
        frame = frame.head(args.limit)
    texts = frame[args.text_col].fillna("").astype(str).tolist()
    pairs = frame[args.text_pair_col].fillna("").astype(str).tolist() if args.text_pair_col else None
    gold = frame[args.label_col].astype(str).tolist() if args.label_col else None
    bar = TqdmProgress("explaining")
    results = explain_texts(args.model, texts, pairs, spec, progress=bar)
    bar.close()
    if resolve_model(args.model).task.generates_text:  # no labels to rank words by: one summary per text
        return _print_generated(args, results)
    view = global_importance(results=results, gold=gold, cohort=args.cohort)
    table = view.table.groupby("label", sort=False).head(args.top).reset_index(drop=True)
    summary = faithfulness(results)
    if args.html:
        title = f"{args.model}: {len(results)} texts from {Path(args.data).name} (cohort {args.cohort})"
        Path(args.html).write_text(render_report(results, table, title=title), encoding="utf-8")
    if args.json:
        print(dumps_json({
            "explanations": [r.to_json_dict() for r in results],
            "global": table.to_dict(orient="records"),
            "cohort": args.cohort,
            "cohort_examples": view.examples,
            "faithfulness": summary.to_dict(),
        }))  # fmt: skip
        return 0
    _print_global(table, view.examples, args.cohort)
    if summary.texts:
        print(
            f"\ndeletion check over {summary.texts} texts: hiding the top {summary.k} tokens drops the "
            f"explained label's probability by {summary.mean_top_drop:.3f} on average, random tokens by "
            f"{summary.mean_random_drop:.3f} (top > random in {summary.share_better_than_random:.0%})"
        )
    if args.html:
        print(f"wrote {args.html}")
    return 0


def _print_generated(args: argparse.Namespace, results: list[Any]) -> int:
    """A translation model's file: each text's per-output-token summary (and the heat maps)."""
    from explain.render import render_report, text_summary

    if args.html:
        title = f"{args.model}: {len(results)} texts from {Path(args.data).name}"
        Path(args.html).write_text(render_report(results, title=title), encoding="utf-8")
    if args.json:
        print(dumps_json({"explanations": [r.to_json_dict() for r in results]}))
        return 0
    print("\n\n".join(text_summary(r) for r in results))
    if args.html:
        print(f"wrote {args.html}")
    return 0


def _print_global(table: Any, examples: int, cohort: str) -> None:
    print(f"top words per label over {examples} texts (cohort: {cohort}), by mean |SHAP|:")
    for label, rows in table.groupby("label", sort=False):
        print(f"\n{label}")
        for row in rows.itertuples():
            direction = "toward" if row.mean >= 0 else "away"
            print(f"  {row.word[:30]:<30} {row.mean_abs:8.4f}  {direction:<6} ({row.count}x)")


def dumps_json(data: Any) -> str:
    """Strict JSON: NaN and infinities (e.g. a deletion check over no texts) are written as null."""
    return json.dumps(json_ready(data), ensure_ascii=False, allow_nan=False)


def json_ready(value: Any) -> Any:
    """Plain JSON values: arrays and NumPy scalars as lists and numbers, non-finite floats as None."""
    if hasattr(value, "tolist"):  # NumPy arrays and scalars
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)
