"""Shared helpers for benchmark scripts: tables, targets, machine info, the shared datasets."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WORKBENCH_SHARED_DATA", REPO.parent / "shared" / "data"))


def machine_info() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads)"


def print_table(rows: list[dict], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        print("  ".join(_fmt(row.get(c)).ljust(widths[c]) for c in columns))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return "" if value is None else str(value)


def check_targets(targets: list[tuple[str, bool, str]]) -> int:
    """Print each target as PASS/FAIL and return the exit code (1 when any is missed)."""
    print()
    failed = False
    for name, ok, detail in targets:
        print(f"[{'PASS' if ok else 'FAIL'}] {name}: {detail}")
        failed |= not ok
    return 1 if failed else 0


def print_progress(event) -> None:
    """Training progress for a benchmark log: messages and each validation result, one line each."""
    if event.kind == "log":
        print(f"  {event.message}", flush=True)
    elif event.kind == "eval":
        shown = ", ".join(
            f"{k} {v:.4f}" for k, v in sorted(event.metrics.items()) if k in {"accuracy", "loss"}
        )
        print(f"  step {event.step}/{event.total_steps} epoch {event.epoch:.2f}: {shown}", flush=True)


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"missing {path}: the public datasets live in ../shared/data (set WORKBENCH_SHARED_DATA)")
    return path


def benign_parts(
    texts: list[str], part_of: dict[str, str], id_prefix: str, family: str, source: str, dev_every: int = 1
) -> dict[str, list[dict]]:
    """Benign records (label 0) of ``texts`` in the part ``part_of`` gives each, ids ``{id_prefix}{part}0001``
    on; the dev part keeps only every ``dev_every``-th of its texts."""
    parts: dict[str, list[dict]] = {"dev": [], "test": []}
    seen_dev = 0
    for text in texts:
        part = part_of[text]
        if part == "dev":
            seen_dev += 1
            if (seen_dev - 1) % dev_every:
                continue
        records = parts[part]
        records.append(
            {
                "id": f"{id_prefix}{part}{len(records) + 1:04d}",
                "text": text,
                "label": 0,
                "family": family,
                "source": source,
            }
        )
    return parts


def write_parts(parts: dict[str, list[dict]], stem: str, unit: str) -> None:
    """Each part's records as JSON lines to ``benchmarks/data/{stem}_{part}.jsonl``, with a line saying
    how many ``unit`` each holds."""
    import json

    for part, records in parts.items():
        out = REPO / "benchmarks" / "data" / f"{stem}_{part}.jsonl"
        with out.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"{out.relative_to(REPO)}: {len(records)} {unit}")
