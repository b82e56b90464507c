"""How fast ``check_data`` reads and checks a 200,000-row CSV (target: under 10 s on a laptop CPU).

Builds the file in a temp folder from banking77 training rows, each repeated with small variations
(a numbered suffix, swapped case, quoting and commas) so the text is not one repeated string. Prints
a table and exits 1 when the target is missed. Run: ``python benchmarks/data_check_speed.py``.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from workbench.data import ColumnMap, check_data

BANKING77 = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77" / "train.csv"
TARGET_SECONDS = 10.0
VARIATIONS = (
    lambda text, i: f"{text} (ref {i})",
    lambda text, i: text.upper(),
    lambda text, i: f'{text}, "urgent", case {i}',
    lambda text, i: f"{text}\nsent from my phone #{i}",
)


def build_csv(path: Path, rows: int, seed: int = 0) -> None:
    """Write ``rows`` varied banking77 rows (some with quotes, commas and embedded newlines)."""
    with BANKING77.open(encoding="utf-8") as handle:
        source = [(row["text"], row["label"]) for row in csv.DictReader(handle)]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(rows):
            text, label = source[i % len(source)]
            writer.writerow([rng.choice(VARIATIONS)(text, i), label])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--target", type=float, default=TARGET_SECONDS, help="seconds allowed")
    args = parser.parse_args()
    if not BANKING77.is_file():
        print(f"banking77 not found at {BANKING77}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        build_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        report = check_data(path, ColumnMap())
        seconds = time.perf_counter() - start
    status = "ok" if seconds <= args.target and report.ok else "MISSED"
    print(f"{'rows':>10}  {'MB':>6}  {'seconds':>8}  {'rows/s':>10}  {'target s':>8}  status")
    print(
        f"{report.rows_read:>10,}  {size_mb:>6.1f}  {seconds:>8.2f}  {report.rows_read / seconds:>10,.0f}  "
        f"{args.target:>8.1f}  {status}"
    )
    for problem in report.errors:
        print(f"error: {problem}", file=sys.stderr)
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
