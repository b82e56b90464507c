"""Speed and quality of the safety rules against Microsoft Presidio, side by side.

Usage: ``python benchmarks/safety_speed.py [--texts N] [--runs R] [--no-presidio] [--classifier MODEL ...]``

Both systems scan the same texts: every text of the labelled set (``data/safety_labelled.jsonl``)
padded with ordinary sentences to 200 characters. Precision/recall per category come from
``safety_eval.py``; speed is the median of ``--runs`` runs, as texts per CPU-second of this process
(what one core does, even while other jobs share the machine) and per wall-clock second.
Presidio is optional (``pip install presidio-analyzer spacy``); without it only our half runs.
``--classifier MODEL`` also times a workspace classifier as a ``label`` rule; with several models (the
injection classifier and its int8 variant, say) they are timed in interleaved rounds and each is given as
a ratio to the first.

Exits 1 when our CPU-time speed is below 5,000 texts/s (the stated target) or quality falls below
the thresholds of ``safety_eval.py``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import safety_eval
from safety_texts import CLEAN_TEXTS

TARGET_TEXTS_PER_SECOND = 5_000
TEXT_LENGTH = 200
SEED = 7


def padded_corpus(records: Sequence[dict], size: int, seed: int = SEED) -> list[str]:
    """``size`` texts of ~200 characters: labelled texts followed by ordinary filler sentences."""
    rng = random.Random(seed)
    texts = []
    while len(texts) < size:
        for record in records:
            text = record["text"]
            while len(text) < TEXT_LENGTH:
                text += " " + rng.choice(CLEAN_TEXTS)
            texts.append(text[: max(TEXT_LENGTH, len(record["text"]))])
    return texts[:size]


def measure(scan_all: Callable[[list[str]], object], texts: list[str], runs: int) -> tuple[float, float]:
    """Median texts per CPU-second and per wall-second over ``runs`` runs (after one warm-up)."""
    scan_all(texts[:20])
    cpu, wall = [], []
    for _ in range(runs):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        scan_all(texts)
        cpu.append(len(texts) / max(time.process_time() - cpu_start, 1e-9))
        wall.append(len(texts) / max(time.perf_counter() - wall_start, 1e-9))
    return statistics.median(cpu), statistics.median(wall)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=5000, help="texts per run for our rules (default 5000)")
    parser.add_argument("--presidio-texts", type=int, default=300, help="texts per run for Presidio")
    parser.add_argument("--runs", type=int, default=5, help="runs; the median is reported (default 5)")
    parser.add_argument("--no-presidio", action="store_true", help="skip the Presidio comparison")
    parser.add_argument(
        "--classifier",
        metavar="MODEL",
        nargs="+",
        help="also time the rules with this classifier as a `label` rule (e.g. injection-classifier); "
        "several models (e.g. it and its int8 variant) are timed in interleaved rounds, as ratios to the first",
    )
    parser.add_argument("--classifier-texts", type=int, default=256, help="texts for the classifier timing")
    args = parser.parse_args(argv)

    records = safety_eval.load_labelled()
    padded = padded_corpus(records, len(records))  # the labelled text first: gold spans stay valid
    padded_records = [{**record, "text": text} for record, text in zip(records, padded, strict=True)]
    texts = padded_corpus(records, args.texts)
    ours = safety_eval.our_predictor()
    quality: dict[str, dict | None] = {"workbench.safety": safety_eval.score(padded_records, ours(padded))}
    speed = {"workbench.safety": measure(ours, texts, args.runs)}

    note = "Presidio skipped (--no-presidio)"
    if not args.no_presidio:
        presidio, note = safety_eval.presidio_predictor()
        quality["presidio"] = None
        if presidio is not None:
            quality["presidio"] = safety_eval.score(padded_records, presidio(padded))
            speed["presidio"] = measure(presidio, texts[: args.presidio_texts], max(1, args.runs // 2))
    if args.classifier:
        speed[f"+ classifier {args.classifier[0]}"] = measure_classifier(
            args.classifier[0], texts[: args.classifier_texts]
        )
    print(note)
    print(f"{len(records)} labelled texts padded to {TEXT_LENGTH} characters; overlap matching\n")
    print(safety_eval.format_table(quality, note))
    print()
    print(format_speed(speed))
    if args.classifier:
        print()
        print(window_cost(args.classifier[0], texts[: args.classifier_texts], args.runs))
        if len(args.classifier) > 1:
            print()
            print(classifier_rounds(args.classifier, texts[: args.classifier_texts], args.runs))
    return report_failures(quality["workbench.safety"], speed["workbench.safety"][0])


def measure_classifier(model: str, texts: list[str]) -> tuple[float, float]:
    """Texts/s of the pattern rules plus one classifier rule, each text new to the rule's cache (one run:
    a second run would only measure the cache). The model is loaded before the clock starts."""
    from safety_injection import rules_with_classifier

    from workbench.inference.predict import MODEL_CACHE

    MODEL_CACHE.get(model)
    return timed_scan([f"{i} {text}" for i, text in enumerate(texts)], rules_with_classifier(model))


def timed_scan(texts: list[str], rules: object) -> tuple[float, float]:
    """Texts per CPU-second and per wall-second of one ``scan_batch`` of ``texts`` with ``rules``."""
    from workbench.safety import scan_batch

    cpu_start, wall_start = time.process_time(), time.perf_counter()
    scan_batch(texts, rules)
    return len(texts) / max(time.process_time() - cpu_start, 1e-9), len(texts) / max(
        time.perf_counter() - wall_start, 1e-9
    )


def classifier_rounds(models: Sequence[str], texts: list[str], rounds: int) -> str:
    """Texts/s (CPU time and wall clock) of the pattern rules plus each model as the classifier rule, in
    interleaved rounds (the order reversed every other round; every text new to each rule's cache), the
    medians, and each model's median ratio to the first: a variant against its parent, on one machine in
    the same minutes."""
    from safety_injection import rules_with_classifier

    from workbench.inference.predict import MODEL_CACHE

    rules = {}
    for model in models:
        MODEL_CACHE.get(model)  # loaded before any clock starts
        rules[model] = rules_with_classifier(model)
    cpu: dict[str, list[float]] = {model: [] for model in models}
    wall: dict[str, list[float]] = {model: [] for model in models}
    for round_ in range(rounds):
        for model in models if round_ % 2 == 0 else list(reversed(models)):
            cpu_rate, wall_rate = timed_scan([f"{round_}.{model} {text}" for text in texts], rules[model])
            cpu[model].append(cpu_rate)
            wall[model].append(wall_rate)
    first = models[0]
    width = max(len(model) for model in models) + 2
    lines = [
        f"classifier rule, {len(texts)} texts x {rounds} interleaved rounds",
        f"{'model':<{width}}{'CPU texts/s':>13}{'wall texts/s':>14}{'ratio (wall)':>14}",
    ]
    for model in models:
        ratio = statistics.median(b / a for a, b in zip(wall[first], wall[model], strict=True))
        lines.append(
            f"{model:<{width}}{statistics.median(cpu[model]):>13,.1f}"
            f"{statistics.median(wall[model]):>14,.1f}{ratio:>13.2f}x"
        )
    return "\n".join(lines)


def window_cost(model: str, texts: list[str], rounds: int) -> str:
    """Wall-clock texts/s of the classifier alone as a `label` rule reading only a text's start
    (``max_windows`` 1, as before windows) or the whole text in windows (``max_windows`` 16, the default)
    that overlap by a quarter (the `label` detector's default) or by half (the default injection rule's),
    on the 200-character texts and on the public test part's first 64 in-the-wild jailbreaks (long:
    several windows each); interleaved rounds, every text new to the rule's cache, medians and the median
    ratios to the start alone."""
    from safety_injection import load_public

    from workbench.safety import rules_from_yaml, scan_batch

    long = [r["text"] for r in load_public("test") if r["family"] == "inthewild"][:64]
    ways = {
        "max_windows 1": "max_windows: 1",
        "overlap 0.25": "overlap: 0.25",
        "0.5 (default)": "overlap: 0.5",
    }
    rates: dict[tuple[str, str], list[float]] = {}
    for round_ in range(rounds):
        for way, setting in ways.items():
            rules = rules_from_yaml(
                "rules:\n  - {id: c, detector: label, category: prompt_injection, action: review,"
                f" model: {model}, labels: [injection], {setting}}}\n"
            )
            for name, chosen in (("200 characters", texts), ("in-the-wild jailbreaks", long)):
                unique = [f"{round_}.{way} {text}" for text in chosen]
                start = time.perf_counter()
                scan_batch(unique, rules)
                rates.setdefault((name, way), []).append(len(unique) / (time.perf_counter() - start))
    lines = [
        f"{'the classifier rule, texts/s':<30}" + "".join(f"{way:>15}" for way in ways) + f"{'ratios':>14}"
    ]
    for name in ("200 characters", "in-the-wild jailbreaks"):
        one = rates[(name, "max_windows 1")]
        cells = "".join(f"{statistics.median(rates[(name, way)]):>15,.1f}" for way in ways)
        ratios = [
            statistics.median(b / a for a, b in zip(one, rates[(name, way)], strict=True))
            for way in list(ways)[1:]
        ]
        lines.append(f"{name:<30}{cells}" + "".join(f"{r:>6.2f}x" for r in ratios) + " ")
    return "\n".join(lines)


def format_speed(speed: dict[str, tuple[float, float]]) -> str:
    lines = [f"{'texts/s (200 chars)':<22}{'CPU time':>12}{'wall clock':>12}"]
    for name, (cpu, wall) in speed.items():
        lines.append(f"{name:<22}{cpu:>12,.0f}{wall:>12,.0f}")
    if "presidio" in speed and "workbench.safety" in speed:
        ratio_cpu = speed["workbench.safety"][0] / speed["presidio"][0]
        ratio_wall = speed["workbench.safety"][1] / speed["presidio"][1]
        lines.append(f"{'ratio ours / presidio':<22}{ratio_cpu:>11,.0f}x{ratio_wall:>11,.0f}x")
    return "\n".join(lines)


def report_failures(quality: dict | None, cpu_rate: float) -> int:
    problems = safety_eval.failures(quality) if quality else []
    if cpu_rate < TARGET_TEXTS_PER_SECOND:
        problems.append(f"{cpu_rate:,.0f} texts/s < target {TARGET_TEXTS_PER_SECOND:,}")
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print(f"OK: >= {TARGET_TEXTS_PER_SECOND:,} texts/s and quality thresholds met")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
