"""``workbench monitor``: a deployment's traffic, drift and alerts from the request log."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any


def register(subparsers: Any) -> None:
    from workbench.serve.monitor.report import MonitorSpec

    p = subparsers.add_parser(
        "monitor", help="traffic, latency, errors, drift and alerts of a deployment (from the request log)"
    )
    p.add_argument("name", help="deployment name")
    for name, f in MonitorSpec.__dataclass_fields__.items():
        kind = float if isinstance(f.default, float) or name == "since_hours" else int
        p.add_argument(
            "--" + name.replace("_", "-"), dest=name, type=kind, default=f.default,
            help=f"{f.metadata['help']} (default: {f.default})",
        )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p.set_defaults(func=cmd_monitor)

    p = subparsers.add_parser(
        "replay", help="run a deployment's logged (masked) traffic through another version and compare"
    )
    p.add_argument("name", help="deployment name")
    p.add_argument(
        "--candidate", required=True, help="registry model id or name to compare with the current version"
    )
    p.add_argument(
        "--since", help="only traffic since then: 30m, 6h, 2d or a date/time like 2026-12-03T09:00"
    )
    p.add_argument(
        "--limit", type=int, default=5000, help="most distinct texts replayed (default: 5000, newest)"
    )
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(func=cmd_replay)


def cmd_monitor(args: argparse.Namespace) -> int:
    from workbench.serve.monitor.report import MonitorSpec, build_report

    spec = MonitorSpec(**{k: getattr(args, k) for k in MonitorSpec.__dataclass_fields__})
    from workbench.serve.monitor.rollout import format_comparison, live_comparison

    report = build_report(args.name, spec)
    trial = live_comparison(args.name, since=spec.since)
    if args.json:
        print(json.dumps({**report.to_dict(), "rollout": trial.to_dict() if trial else None}))
    else:
        print("\n".join(format_report(report)))
        if trial:
            print("\n" + "\n".join(format_comparison(trial)))
    return 0


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def format_report(report: Any) -> list[str]:
    t = report.traffic
    lines = [
        f"{report.deployment} → {report.version}: {report.status.upper()}"
        + (f" ({len(report.alerts)} alert{'s' * (len(report.alerts) != 1)})" if report.alerts else ""),
        f"traffic: {t.requests} requests, {t.texts} texts answered; latency p50 {_ms(t.p50_ms)}, "
        f"p95 {_ms(t.p95_ms)}; errors {t.errors} ({t.error_rate:.1%}): {t.rate_limited} × 429, "
        f"{t.overloaded} × 503; cache hits {_share(t.cache_hit_rate)}",
        "statuses: " + (", ".join(f"{k}: {v}" for k, v in t.by_status.items()) or "none"),
        "safety hits: " + (", ".join(f"{k} {v}" for k, v in t.safety_hits.items()) or "none"),
    ]
    if t.buckets:
        lines.append(f"\nover time ({t.bucket_seconds // 60} min buckets):")
        lines.append(
            f"  {'start':<16} {'requests':>8} {'p50':>10} {'p95':>10} {'errors':>6} {'429':>5} {'503':>5} {'cache':>6}"
        )
        for b in t.buckets:
            start = time.strftime("%Y-%m-%d %H:%M", time.localtime(b.start))
            lines.append(
                f"  {start:<16} {b.requests:>8} {_ms(b.p50_ms):>10} {_ms(b.p95_ms):>10} {b.errors:>6} "
                f"{b.rate_limited:>5} {b.overloaded:>5} {_share(b.cache_hit_rate):>6}"
            )
    if report.drift:
        ref = report.reference
        lines.append(
            f"\ndrift: last {report.window_rows} predictions vs {ref['rows']} validation predictions "
            f"({ref['source']}):"
        )
        lines.append(f"  {'check':<38} {'statistic':<9} {'value':>8} {'threshold':>9}  drifted")
        for c in report.drift:
            lines.append(
                f"  {c.check:<38} {c.statistic:<9} {c.value:>8.4f} {c.threshold:>9.4f}  "
                f"{'YES' if c.drifted else 'no'}"
            )
    lines.append("\nalerts:" if report.alerts else "\nalerts: none")
    lines += [f"  - [{a.kind}] {a.reason}" for a in report.alerts]
    lines += [f"note: {n}" for n in report.notes]
    return lines


SINCE_UNITS = {"m": 60, "h": 3600, "d": 86400}


def parse_since(value: str | None, now: float | None = None) -> float | None:
    """``30m`` / ``6h`` / ``2d`` ago, or an ISO date/time (local time), as a Unix time."""
    from datetime import datetime

    from workbench.errors import SpecError

    if not value:
        return None
    now = now or time.time()
    number, unit = value[:-1], value[-1:].lower()
    if unit in SINCE_UNITS and number.replace(".", "", 1).isdigit():
        return now - float(number) * SINCE_UNITS[unit]
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise SpecError(
            f"--since {value!r} is neither a duration nor a date: use 30m, 6h, 2d or 2026-12-03T09:00."
        ) from None


def cmd_replay(args: argparse.Namespace) -> int:
    from workbench.serve.monitor.replay import replay
    from workbench.serve.monitor.rollout import format_comparison

    result = replay(args.name, args.candidate, since=parse_since(args.since), limit=args.limit)
    print(json.dumps(result.to_dict()) if args.json else "\n".join(format_comparison(result)))
    return 0
