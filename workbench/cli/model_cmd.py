"""``workbench train / evaluate / predict / models / runs``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from workbench.cli.seq2seq_flags import (
    SEQ2SEQ,
    add_generation_flags,
    add_pair_flags,
    apply_pair_flags,
    generation_from_args,
)
from workbench.errors import RunError
from workbench.evaluation.translation_metrics import DEFAULT_TOKENIZE, OFFLINE_TOKENIZERS, check_tokenize

TRAIN_FLAGS = {  # spec field -> CLI flag, for the fields given a flag of their own
    "text_col": "--text-col",
    "label_col": "--label-col",
    "text_pair_col": "--text-pair-col",
    "eval_data": "--eval-data",
    "target_data": "--target-file",
    "base_model": "--model",
    "task": "--task",
    "source_lang": "--source-lang",
    "target_lang": "--target-lang",
    "method": "--method",
    "pooling": "--pooling",
    "name": "--name",
    "epochs": "--epochs",
    "learning_rate": "--lr",
    "batch_size": "--batch-size",
    "max_length": "--max-length",
    "warmup_ratio": "--warmup-ratio",
    "weight_decay": "--weight-decay",
    "seed": "--seed",
    "val_fraction": "--val-fraction",
    "test_fraction": "--test-fraction",
    "max_minutes": "--max-minutes",
    "early_stopping_patience": "--early-stopping",
    "keep": "--keep",
    "freeze_embeddings": "--freeze-embeddings",
    "layer_lr_decay": "--layer-lr-decay",
    "label_smoothing": "--label-smoothing",
    "evals_per_epoch": "--evals-per-epoch",
    "lora_r": "--lora-r",
    "lora_alpha": "--lora-alpha",
    "lora_dropout": "--lora-dropout",
    "adalora_init_r": "--adalora-init-r",
    "adalora_target_r": "--adalora-target-r",
    "report_to": "--report-to",
    "processes": "--processes",
    "gpus": "--gpus",
    "precision": "--precision",
    "grad_accumulation": "--grad-accumulation",
}
TRAIN_SWITCHES = {
    "merge_lora": "--merge-lora",
    "lowercase": "--lowercase",
    "strip_html": "--strip-html",
    "mask_pii": "--mask-pii",
    "allow_pickle": "--allow-pickle",
    "trust_remote_code": "--trust-remote-code",
}


def _add_train_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("train", help="fine-tune a model on a labelled file")
    p.add_argument("train_data", nargs="?", help="training file (CSV/TSV/XLSX/JSONL)")
    from workbench.training.spec import TrainSpec

    add_spec_flags(p, TRAIN_FLAGS, TRAIN_SWITCHES)
    p.add_argument("--source-column", metavar="C", help="seq2seq: column with the source texts")
    p.add_argument("--target-column", metavar="C", help="seq2seq: column with the target texts")
    p.add_argument("--source-file", metavar="F", help="seq2seq: plain-text file of sources, one per line")
    p.add_argument(
        "--no-calibration",
        dest="calibrate",
        action="store_false",
        default=argparse.SUPPRESS,
        help="keep the raw confidences: " + TrainSpec.field_info()["calibrate"]["help"],
    )
    p.add_argument(
        "--resume", metavar="RUN_ID", help="continue a cancelled or failed run from its last checkpoint"
    )
    p.add_argument("--json", action="store_true", help='print {"model_id", "metrics"} as the last line')
    p.set_defaults(func=cmd_train)


def add_spec_flags(p: Any, flags: dict[str, str], switches: dict[str, str]) -> None:
    """One flag per ``TrainSpec`` field named in ``flags`` / ``switches``, help and choices from the spec."""
    from workbench.training.spec import TrainSpec

    info = TrainSpec.field_info()
    types = {f.name: f.type for f in fields(TrainSpec)}
    for name, flag in flags.items():
        kind = float if "float" in str(types[name]) else int if "int" in str(types[name]) else str
        p.add_argument(
            flag,
            dest=name,
            type=kind,
            default=argparse.SUPPRESS,
            help=info[name]["help"],
            choices=info[name].get("choices"),
        )
    for name, flag in switches.items():
        p.add_argument(
            flag, dest=name, action="store_true", default=argparse.SUPPRESS, help=info[name]["help"]
        )


def register(subparsers: Any) -> None:
    _add_train_parser(subparsers)
    p = subparsers.add_parser("evaluate", help="metrics of a model on a labelled file")
    p.add_argument("model", help="model id or name in the workspace")
    p.add_argument("data", nargs="?", help="labelled file (CSV/TSV/XLSX/JSONL)")
    _add_columns(p, label=True)
    add_pair_flags(p)
    add_generation_flags(p)
    p.add_argument(
        "--tokenize",
        default=DEFAULT_TOKENIZE,
        metavar="T",
        help=f"seq2seq: sacreBLEU tokeniser for BLEU, one of {', '.join(OFFLINE_TOKENIZERS)} (default: 13a)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help='print {"metrics": {...}, "calibration": {...}} as the last line',
    )
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="write the reliability diagram (confidence bins against accuracy, before and after"
        " calibration) as a PNG",
    )
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser("predict", help="predict a file; writes label, score and probabilities")
    p.add_argument("model", help="model id or name in the workspace")
    p.add_argument("data", help="file with the texts (CSV/TSV/XLSX/JSONL)")
    _add_columns(p, label=False)
    add_pair_flags(p, files=False)
    add_generation_flags(p)
    p.add_argument("-o", "--output", required=True, help="output CSV (formula-safe)")
    p.add_argument(
        "--rules",
        metavar="YAML",
        help="safety rule file extending the defaults (default: the workspace rule file, if any)",
    )
    p.add_argument(
        "--mask-pii", action="store_true", help="write the text column(s) with personal data masked"
    )
    p.set_defaults(func=cmd_predict)

    p = subparsers.add_parser("models", help="list (or remove) models in the workspace")
    p.add_argument("action", nargs="?", choices=["list", "rm", "show"], default="list", help="default: list")
    p.add_argument("model_ids", nargs="*", help="model ids (for rm and show)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_models)

    p = subparsers.add_parser("runs", help="list training runs, show one, or cancel one")
    p.add_argument(
        "action", nargs="?", choices=["list", "show", "cancel"], default="list", help="default: list"
    )
    p.add_argument("run_id", nargs="?", help="run id (for show and cancel)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_runs)


def _add_columns(p: argparse.ArgumentParser, label: bool) -> None:
    p.add_argument("--text-col", default="text", help="column with the text (default: text)")
    p.add_argument("--text-pair-col", default=None, help="second text column (sentence pairs)")
    if label:
        p.add_argument("--label-col", default="label", help="column with the gold label (default: label)")
    p.add_argument("--batch-size", type=int, default=32, help="texts per forward pass (default: 32)")


def cmd_train(args: argparse.Namespace) -> int:
    from workbench.cli.progress_bar import TqdmProgress
    from workbench.training.runs import create_run, execute_run, get_run, resume_run
    from workbench.training.spec import TrainSpec

    bar = TqdmProgress("training")
    if args.resume:
        run = get_run(args.resume)
        _cancel_on_ctrl_c(run)
        resume_run(args.resume, in_process=True, extra_progress=bar)
    else:
        if not args.train_data:
            if getattr(args, "source_file", None):
                args.train_data, args.source_file = args.source_file, None
            else:
                raise RunError("Give a training file: workbench train FILE --text-col C --label-col L")
        if apply_pair_flags(args, "train_data", "text_col", "label_col") or getattr(
            args, "target_data", None
        ):
            args.task = SEQ2SEQ
        values = {k: v for k, v in vars(args).items() if k in TrainSpec.__dataclass_fields__}
        run = create_run(TrainSpec(**values), owner="cli")
        _cancel_on_ctrl_c(run)
        execute_run(run, extra_progress=bar)
    bar.close()
    return _report_run(run.id, args.json)


def _cancel_on_ctrl_c(run: Any) -> None:
    def handler(signum: int, frame: Any) -> None:
        print("\ncancelling: saving a checkpoint (Ctrl-C again to abort)", file=sys.stderr)
        run.request_cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, handler)


def _report_run(run_id: str, as_json: bool) -> int:
    from workbench.errors import WorkbenchError
    from workbench.training.runs import get_run

    status = get_run(run_id).status()
    state = status.get("state")
    if state == "failed":
        raise WorkbenchError(status.get("error") or "training failed", status.get("problems"))
    if state == "cancelled":
        print(f"cancelled; resume with: workbench train --resume {run_id}", file=sys.stderr)
        return 3
    metrics = status.get("metrics") or {}
    if as_json:
        print(json.dumps({"model_id": status.get("model_id"), "metrics": metrics}))
    else:
        print(f"saved model {status.get('model_id')} (run {run_id}, stopped: {status.get('stop_reason')})")
        for key, value in metrics.items():
            print(f"  {key:<18} {value:.4f}")
        _print_calibration(status.get("model_id"))
    return 0


def _print_calibration(model_id: str | None) -> None:
    from workbench.evaluation.calibration import describe
    from workbench.models.registry import Registry

    calibration = Registry().get(model_id).extra.get("calibration") if model_id else None
    if calibration:
        print(describe(calibration))


def cmd_evaluate(args: argparse.Namespace) -> int:
    from workbench.cli.progress_bar import TqdmProgress
    from workbench.data import ColumnMap
    from workbench.evaluation.evaluate import evaluate

    bar = TqdmProgress("evaluating", disable=args.json)
    apply_pair_flags(args, "data", "text_col", "label_col")
    if not args.data:
        raise RunError("Give the labelled file (or --source-file and --target-file for translation pairs).")
    columns = ColumnMap(text=args.text_col, label=args.label_col, text_pair=args.text_pair_col)
    options = {"generation": generation_from_args(args), "tokenize": check_tokenize(args.tokenize)}
    if args.plot and not str(args.plot).lower().endswith(".png"):
        raise RunError(f"--plot writes a PNG: give a file name ending in .png, not {args.plot!r}.")
    result = evaluate(
        args.model,
        args.data,
        columns,
        batch_size=args.batch_size,
        progress=bar,
        task_options=_task_options(args.model, options),
        target_file=args.target_file,
    )
    bar.close()
    plot_note = _write_plot(result, args.model, args.data, args.plot) if args.plot else None
    if args.json:
        print(json.dumps(result.to_json_dict()))
        return 0
    if result.report:
        print(result.report)
        return 0
    for key, value in result.metrics.items():
        print(f"{key:<18} {value:.4f}")
    if result.calibration is not None:
        from workbench.evaluation.calibration import describe

        print(describe(result.calibration, f"(the model's own), on these {result.calibration['rows']} rows"))
    per_class = result.details.get("per_class") or {}
    if per_class:
        print(f"\n{'label':<24} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}")
        for label, row in per_class.items():
            print(
                f"{label[:24]:<24} {row['precision']:>9.3f} {row['recall']:>9.3f} {row['f1-score']:>9.3f} "
                f"{int(row['support']):>8}"
            )
    if plot_note:
        print(f"\n{plot_note}")
    return 0


def _task_options(model_id: str, options: dict[str, Any]) -> dict[str, Any] | None:
    """Generation settings and the BLEU tokeniser apply to seq2seq models; refused for others."""
    from workbench.models.registry import Registry
    from workbench.tasks import get_task

    if get_task(Registry().get(model_id).task).generates_text:
        return options
    given = [name for name, value in options.items() if value not in (None, DEFAULT_TOKENIZE)]
    if given:
        raise RunError(
            f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to seq2seq (translation) models "
            f"only; {model_id} is not one. Leave the option out."
        )
    return None


def _write_plot(result: Any, model: str, data: str, path: str) -> str:
    from workbench.evaluation.reliability_plot import save_reliability_png

    if result.calibration is None:
        raise RunError(
            f"{model} has no class probabilities (a regression model), so there is no reliability "
            "diagram to draw; leave out --plot."
        )
    save_reliability_png(result.calibration, path, title=f"{model} on {Path(data).name}")
    return f"wrote the reliability diagram to {path}"


def cmd_predict(args: argparse.Namespace) -> int:
    from workbench.cli.progress_bar import TqdmProgress
    from workbench.data.export import write_csv_safe
    from workbench.inference.service import predict_file

    bar = TqdmProgress("predicting")
    apply_pair_flags(args, "data", "text_col", None)
    generation = generation_from_args(args)
    if generation is not None:
        _task_options(args.model, {"generation": generation})
    frame = predict_file(
        args.model,
        args.data,
        generation=generation,
        text_col=args.text_col,
        text_pair_col=args.text_pair_col,
        batch_size=args.batch_size,
        rules=args.rules,
        mask_pii=args.mask_pii,
        progress=bar,
    )
    bar.close()
    write_csv_safe(frame, args.output)
    blocked, review = int(frame["blocked"].sum()), int(frame["needs_review"].sum())
    print(f"wrote {len(frame)} rows to {args.output} ({blocked} blocked, {review} need review)")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from workbench.models.registry import Registry

    registry = Registry()
    if args.action == "rm":
        if not args.model_ids:
            raise RunError("Name the model(s) to remove: workbench models rm MODEL_ID")
        for model_id in args.model_ids:
            record = registry.remove(model_id)
            print(f"removed {record.id}")
        return 0
    records = [registry.get(m) for m in args.model_ids] if args.model_ids else registry.list()
    if args.json:
        print(json.dumps([r.to_dict() for r in records], default=str))
        return 0
    if not records:
        print(f"no models yet in {registry.root}; train one with `workbench train`")
        return 0
    print(f"{'id':<28} {'task':<15} {'method':<8} {'kind':<11} {'parent':<20} headline metric")
    for r in records:
        headline = next(((k, v) for k, v in r.metrics.items() if isinstance(v, int | float)), None)
        metric = f"{headline[0]}={headline[1]:.4f}" if headline else "-"
        print(
            f"{r.id[:28]:<28} {r.task:<15} {r.method:<8} {r.kind:<11} {(r.parent or '-')[:20]:<20} {metric}"
        )
    return 0


def _made(row: dict[str, Any]) -> str:
    """What a run made: the trained model, or the variants a build job built."""
    return row.get("model_id") or ", ".join(row.get("built") or []) or "-"


def cmd_runs(args: argparse.Namespace) -> int:
    from workbench.training.runs import cancel_run, get_run, list_runs

    if args.action in ("show", "cancel") and not args.run_id:
        raise RunError(f"Name the run: workbench runs {args.action} RUN_ID")
    if args.action == "cancel":
        cancel_run(args.run_id)
        print(f"cancel requested for {args.run_id}")
        return 0
    runs = [get_run(args.run_id)] if args.action == "show" else list_runs()
    rows = [{"run_id": r.id, **r.status()} for r in runs]
    if args.json:
        print(json.dumps(rows, default=str))
        return 0
    for row in rows:
        print(
            f"{row['run_id']:<24} {row.get('state', '?'):<10} {_made(row):<24} "
            f"{(row.get('error') or row.get('message') or '')[:60]}"
        )
    return 0
