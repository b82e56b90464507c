"""``workbench serve --ray``: the flags of the Ray Serve scale-out and the command that runs it."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any


def add_ray_arguments(parser: Any) -> None:
    from workbench.serve.rayserve import RaySpec

    defaults = RaySpec()
    group = parser.add_argument_group("Ray Serve (pip install -e '.[ray]')")
    group.add_argument(
        "--ray", action="store_true", help="run the gateway on Ray Serve (RAY_ADDRESS: a cluster)"
    )
    group.add_argument("--replicas", type=int, default=defaults.replicas, help="replicas (default: 1)")
    group.add_argument(
        "--max-replicas",
        type=int,
        default=None,
        help="autoscale from --replicas up to this many (default: off)",
    )
    group.add_argument(
        "--target-ongoing-requests",
        type=float,
        default=defaults.target_ongoing_requests,
        help=f"autoscaling: requests in flight per replica to aim for (default: {defaults.target_ongoing_requests:g})",
    )
    group.add_argument(
        "--replica-cpus",
        type=float,
        default=defaults.replica_cpus,
        help=f"CPUs Ray reserves per replica, also its torch threads (default: {defaults.replica_cpus:g})",
    )
    group.add_argument(
        "--max-ongoing-requests",
        type=int,
        default=defaults.max_ongoing_requests,
        help="requests a replica holds at once; the micro-batcher joins only these "
        f"(default: {defaults.max_ongoing_requests}; Ray's own default of 5 starves batching)",
    )


def serve_on_ray(args: argparse.Namespace, settings: Any, host: str) -> int:
    """Start the Serve app, print the URL, block until Ctrl-C / SIGTERM, then tear it down."""
    from workbench.config import workspace_home
    from workbench.serve import rayserve

    spec = rayserve.RaySpec(
        args.replicas,
        args.max_replicas,
        args.target_ongoing_requests,
        args.replica_cpus,
        args.max_ongoing_requests,
    )
    rayserve.require_ray()
    scale = (
        f"{spec.replicas}-{spec.max_replicas} replicas (autoscaling)"
        if spec.max_replicas and spec.max_replicas > spec.replicas
        else f"{spec.replicas} replica(s)"
    )
    print(f"starting Ray Serve with {scale}...", file=sys.stderr, flush=True)
    rayserve.start(settings, spec, host=host, port=args.port, home=workspace_home())
    base = f"http://{host}:{args.port}"
    print(f"serving on {base}/v1 with {scale} (API docs {base}/docs, metrics {base}/metrics)", flush=True)
    print("rate limits are shared by every replica (ray:// counters); Ctrl-C stops", file=sys.stderr)
    from workbench.cli.serve_cmd import _stop_signals_exit_cleanly

    try:
        with _stop_signals_exit_cleanly():
            threading.Event().wait()
    finally:
        rayserve.stop()
        print("server stopped", file=sys.stderr)
    return 0
