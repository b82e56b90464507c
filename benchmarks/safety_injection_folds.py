"""K-fold estimate of the injection classifier (and the pattern detector) on the deepset set.

Usage: ``python benchmarks/safety_injection_folds.py [--folds 5] [--minutes 3] [--seed 13] [--keep]``

``../shared/data/prompt_injections/train.csv`` (deepset prompt-injections, train split, 546 rows, English
and German) comes without a test split, so its held-out numbers are estimated by stratified K-fold
cross-validation: for each fold the classifier is trained on the other K-1 folds with the workbench's
own pipeline (the ``workbench safety train-injection`` recipe, a time budget of ``--minutes`` per fold,
deepset rows only) and scored on the held-out fold, beside the pattern detector and patterns +
classifier on the same fold. A text counts as flagged when any ``prompt_injection`` rule fires on it
(the classifier rule: label ``injection`` at ``min_score`` 0.9, as the default rule).

The first fold's model also gives the cost of a model-backed rule: texts/s of the pattern rules plus
that classifier as a ``label`` rule on ``--speed-texts`` held-out texts cut or repeated to 200
characters (each new to the rule's cache), beside the pattern rules alone.

The runs go to a temporary workspace (``--keep`` keeps it and prints where). Nothing is a stated target
here, so the exit code is 0 unless the data is missing (2).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SYSTEMS = ("patterns", "classifier", "patterns + classifier")


def stratified_folds(labels: Sequence[int], k: int, seed: int) -> list[list[int]]:
    """``k`` lists of row indices, each with about the same share of injections (deterministic by seed)."""
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    for label in sorted(set(labels)):
        rows = [i for i, value in enumerate(labels) if value == label]
        rng.shuffle(rows)
        for position, row in enumerate(rows):
            folds[position % k].append(row)
    return [sorted(fold) for fold in folds]


def rates(labels: Sequence[int], flags: Sequence[bool]) -> tuple[float, float]:
    """(recall on injections, false-alarm rate on benign rows)."""
    hits = sum(1 for y, f in zip(labels, flags, strict=True) if y and f)
    alarms = sum(1 for y, f in zip(labels, flags, strict=True) if not y and f)
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    return hits / positives if positives else float("nan"), alarms / negatives if negatives else float("nan")


def train_fold(rows: Sequence[dict], fold: int, minutes: float, work: Path) -> str:
    """Train the recipe on ``rows`` as model ``injection-fold-N``; return its name."""
    from workbench.errors import WorkbenchError
    from workbench.safety.injection_training import gather_training_data, injection_train_spec
    from workbench.training.runs import create_run, execute_run

    source = work / f"fold-{fold}-train.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows((r["text"], r["label"]) for r in rows)
    data = gather_training_data([source], out_dir=work / f"fold-{fold}")
    name = f"injection-fold-{fold}"
    run = create_run(injection_train_spec(data, name=name, max_minutes=minutes), owner="folds")
    execute_run(run)
    status = run.status()
    if status.get("state") != "completed":
        raise WorkbenchError(f"fold {fold}: training ended {status.get('state')}: {status.get('error')}")
    return name


def flaggers(model: str) -> dict[str, Callable[[Sequence[str]], list[bool]]]:
    from safety_injection import rules_flagger, rules_with_classifier

    from workbench.safety import rules_from_yaml

    alone = rules_from_yaml(
        "rules:\n"
        "  - {id: injection.classifier, detector: label, category: prompt_injection, action: review,"
        f" model: {model}, labels: [injection], min_score: 0.9}}\n"
    )
    return {
        "patterns": rules_flagger(),
        "classifier": rules_flagger(alone),
        "patterns + classifier": rules_flagger(rules_with_classifier(model)),
    }


def format_folds(results: list[dict[str, tuple[float, float]]]) -> str:
    header = f"{'fold':<6}" + "".join(f" | {name:^27}" for name in SYSTEMS)
    sub = f"{'':<6}" + " | {:>13}{:>14}".format("recall", "false alarms") * len(SYSTEMS)
    lines = [header, sub, "-" * len(header)]
    for number, result in enumerate(results, start=1):
        cells = "".join(f" | {result[s][0]:>13.3f}{result[s][1]:>14.3f}" for s in SYSTEMS)
        lines.append(f"{number:<6}{cells}")
    cells = ""
    for system in SYSTEMS:
        recall = [r[system][0] for r in results]
        alarms = [r[system][1] for r in results]
        cells += f" | {_mean_sd(recall):>13}{_mean_sd(alarms):>14}"
    lines.append(f"{'mean':<6}{cells}")
    return "\n".join(lines)


def classifier_cost(model: str, texts: Sequence[str], count: int) -> str:
    """Texts/s (CPU, wall) of the pattern rules alone and with ``model`` as a rule, on 200-character texts."""
    from safety_injection import pattern_rules
    from safety_speed import TEXT_LENGTH, format_speed, measure, measure_classifier

    from workbench.safety import scan_batch

    sized = [((text + " ") * (TEXT_LENGTH // max(len(text), 1) + 1))[:TEXT_LENGTH] for text in texts]
    sized = (sized * (count // max(len(sized), 1) + 1))[:count]
    rules = pattern_rules()
    speed = {
        "patterns alone": measure(lambda batch: scan_batch(batch, rules), sized, runs=3),
        "+ classifier rule": measure_classifier(model, sized),
    }
    return (
        f"cost of one MiniLM-sized classifier as a rule ({len(sized)} texts, fold 1 model)\n"
        + format_speed(speed)
    )


def _mean_sd(values: Sequence[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f}±{spread:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="number of folds K (default 5)")
    parser.add_argument(
        "--minutes", type=float, default=3.0, help="training time budget per fold (default 3)"
    )
    parser.add_argument("--seed", type=int, default=13, help="seed of the fold assignment (default 13)")
    parser.add_argument(
        "--speed-texts", type=int, default=256, help="texts for timing the classifier rule (default 256)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary workspace with the fold models"
    )
    args = parser.parse_args(argv)
    if args.folds < 2 or args.minutes <= 0:
        print("--folds must be at least 2 and --minutes above 0", file=sys.stderr)
        return 2

    from safety_injection import DEEPSET, load_deepset

    records = load_deepset()
    if not records:
        print(f"deepset set not found at {DEEPSET}: nothing to estimate", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="injection-folds-"))
    os.environ["WORKBENCH_HOME"] = str(work)  # fold models never reach the user's workspace
    labels = [r["label"] for r in records]
    folds = stratified_folds(labels, args.folds, args.seed)
    print(
        f"{len(records)} deepset rows ({sum(labels)} injections), {args.folds} folds, {args.minutes} min per fold"
    )
    results = []
    for number, held_out in enumerate(folds, start=1):
        held = set(held_out)
        model = train_fold([r for i, r in enumerate(records) if i not in held], number, args.minutes, work)
        texts = [records[i]["text"] for i in held_out]
        truth = [labels[i] for i in held_out]
        result = {name: rates(truth, flag(texts)) for name, flag in flaggers(model).items()}
        results.append(result)
        print(f"fold {number}/{args.folds} scored ({len(held_out)} held-out rows)", flush=True)
        if number == 1:
            speed = classifier_cost(model, texts, args.speed_texts)
    print()
    print(format_folds(results))
    print()
    print(speed)
    if args.keep:
        print(f"\nfold models kept in {work} (WORKBENCH_HOME={work} workbench models)")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
