"""``workbench serve / deploy / keys / demo``: the serving gateway from the command line."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

from workbench.errors import SpecError

LOOPBACK = "127.0.0.1"
FLAG_FOR_SWITCH = {
    "batching": "--no-batching",
    "preload": "--lazy",
    "demo": "--no-demo",
    "shadow_process": "--shadow-in-thread",
}


def register(subparsers: Any) -> None:
    _add_serve_parser(subparsers)

    p = subparsers.add_parser(
        "deploy", help="point a deployment name at a model (or roll it back); list them"
    )
    p.add_argument("name", nargs="?", help="deployment name (part of the URL); omit to list deployments")
    p.add_argument("model", nargs="?", help="registry model id or name to serve under NAME")
    p.add_argument("--rollback", action="store_true", help="point NAME back at its previous version")
    p.add_argument("--remove", action="store_true", help="stop serving NAME")
    p.add_argument("--history", action="store_true", help="show every change of NAME (or of all)")
    p.add_argument(
        "--canary", type=float, metavar="PERCENT",
        help="MODEL answers this share of NAME's traffic (sticky per API key, else per request id)",
    )  # fmt: skip
    p.add_argument("--shadow", metavar="MODEL", help="MODEL sees every request of NAME but never answers")
    p.add_argument("--promote", action="store_true", help="the canary or shadow version takes all traffic")
    p.add_argument("--drop", action="store_true", help="end the canary or shadow trial")
    p.add_argument("--by", help="who makes the change (default: the login name)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_deploy)

    p = subparsers.add_parser("keys", help="API keys of the server: add (shown once), list, revoke")
    p.add_argument("action", choices=["add", "list", "revoke"])
    p.add_argument("name", nargs="?", help="key name (for add and revoke)")
    p.add_argument(
        "--scopes", default="predict", help="comma-separated: predict, explain, admin (default: predict)"
    )
    p.add_argument("--rate", help="rate limit of this key, e.g. 20/s or 600/minute (default: the server's)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_keys)

    p = subparsers.add_parser("demo", help="the Gradio demo of one model alone (what a Space runs)")
    p.add_argument("model", help="registry model id or name")
    p.add_argument("--host", default=LOOPBACK, help=f"address to bind (default: {LOOPBACK})")
    p.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    p.set_defaults(func=cmd_demo)


def _add_serve_parser(subparsers: Any) -> None:
    from workbench.serve.settings import ServeSettings

    p = subparsers.add_parser("serve", help="serve every deployment over REST (+ the Gradio demo at /demo)")
    p.add_argument("--host", default=LOOPBACK, help=f"address to bind (default: {LOOPBACK})")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    for name, info in ServeSettings.field_info().items():
        if name in FLAG_FOR_SWITCH:
            flag = FLAG_FOR_SWITCH[name]
            p.add_argument(flag, dest=name, action="store_false", help=f"turn off: {info['help']}")
            continue
        kind = {"int": int, "float": float}.get(str(info["type"]), str)
        p.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=kind,
            default=info["default"],
            help=f"{info['help']} (default: {info['default']})",
        )
    from workbench.cli.ray_flags import add_ray_arguments

    add_ray_arguments(p)
    p.set_defaults(func=cmd_serve)


def cmd_deploy(args: argparse.Namespace) -> int:
    from workbench.serve.deployments import DeploymentStore

    store = DeploymentStore()
    if args.history:
        changes = store.history(args.name)
        if args.json:
            print(json.dumps([vars(c) for c in changes]))
        for c in [] if args.json else changes:
            print(
                f"{_when(c.at)}  {c.name:<16} {c.from_version or '-'} → {c.to_version or '-'} ({c.action} by {c.by})"
            )
        return 0
    if not args.name:
        return _list_deployments(store, args.json)
    if args.rollback:
        change = store.rollback(args.name, by=args.by)
    elif args.remove:
        change = store.remove(args.name, by=args.by)
    elif args.promote or args.drop:
        change = store.promote(args.name, by=args.by) if args.promote else store.drop(args.name, by=args.by)
    elif args.canary is not None or args.shadow:
        model = args.shadow or args.model
        if not model:
            raise SpecError(
                f"Give the candidate: workbench deploy {args.name} MODEL_ID --canary {args.canary:g}."
            )
        change = store.start_rollout(
            args.name, model, canary=args.canary, shadow=bool(args.shadow), by=args.by
        )
    elif not args.model:
        raise SpecError(
            f"Give the model to deploy: workbench deploy {args.name} MODEL_ID (or --rollback / --remove)."
        )
    else:
        change = store.deploy(args.name, args.model, by=args.by)
    if args.json:
        print(json.dumps(vars(change)))
    elif change.action in ("canary", "shadow"):
        trial = store.get(args.name)
        share = (
            f"answers {trial.share:g}% of the traffic" if trial.rollout == "canary" else "sees every request"
        )
        print(
            f"{change.name}: {change.from_version} keeps serving; {change.to_version} ({change.action}) {share}. "
            f"Compare with `workbench monitor {change.name}`; then --promote or --drop."
        )
    else:
        arrow = f"{change.from_version} → " if change.from_version else "→ "
        print(f"{change.name}: {arrow}{change.to_version or '(removed)'} ({change.action})")
    return 0


def _list_deployments(store: Any, as_json: bool) -> int:
    deployments = store.list()
    if as_json:
        print(json.dumps([vars(d) for d in deployments]))
        return 0
    if not deployments:
        print("no deployments yet; create one with `workbench deploy NAME MODEL_ID`")
    for d in deployments:
        trial = f"  + {d.rollout} {d.candidate}" + (f" ({d.share:g}%)" if d.rollout == "canary" else "")
        print(
            f"{d.name:<16} {d.version:<28} since {_when(d.updated)} by {d.by}{trial if d.candidate else ''}"
        )
    return 0


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


def cmd_keys(args: argparse.Namespace) -> int:
    from workbench.serve.keys import KeyStore

    store = KeyStore()
    if args.action in ("add", "revoke") and not args.name:
        raise SpecError(f"Name the key: workbench keys {args.action} NAME")
    if args.action == "add":
        key, secret = store.add(args.name, scopes=args.scopes, rate=args.rate)
        print(
            f"key {key.name!r} (scopes: {', '.join(key.scopes)}; rate: {key.rate or 'server default'}). "
            "Copy it now, it is not shown again:",
            file=sys.stderr,
        )
        print(secret)
        return 0
    if args.action == "revoke":
        store.revoke(args.name)
        print(f"revoked {args.name}")
        return 0
    keys = [k.public_dict() for k in store.list()]
    if args.json:
        print(json.dumps(keys))
        return 0
    if not keys:
        print("no API keys: the server binds to localhost only; add one with `workbench keys add NAME`")
    for k in keys:
        state = "revoked" if k["revoked"] else "active"
        print(f"{k['name']:<16} {k['prefix']}…  {','.join(k['scopes']):<22} {k['rate'] or '-':<14} {state}")
    return 0


def bind_host(requested: str, has_keys: bool) -> tuple[str, str | None]:
    """The address to bind and a warning: without any API key only loopback is allowed."""
    try:
        loopback = ipaddress.ip_address(requested).is_loopback
    except ValueError:
        loopback = requested == "localhost"
    if has_keys or loopback:
        return requested, None
    return LOOPBACK, (
        f"warning: no API key exists, so the server binds to {LOOPBACK} only (not {requested}); "
        "add one with `workbench keys add NAME` to serve other machines"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from workbench.serve.app import create_app
    from workbench.serve.keys import KeyStore
    from workbench.serve.settings import ServeSettings

    values = {k: getattr(args, k) for k in ServeSettings.field_info()}
    settings = ServeSettings(**values)
    host, warning = bind_host(args.host, bool(KeyStore().active()))
    if warning:
        print(warning, file=sys.stderr)
    if getattr(args, "ray", False):
        from workbench.cli.ray_flags import serve_on_ray

        return serve_on_ray(args, settings, host)
    app = create_app(settings)
    base = f"http://{host}:{args.port}"
    print(f"serving on {base}/v1 (API docs {base}/docs, metrics {base}/metrics", end="")
    print(f", demo {base}/demo)" if settings.demo else ")", flush=True)
    print("Ctrl-C stops after the requests in flight are answered", file=sys.stderr)
    with _stop_signals_exit_cleanly():
        uvicorn.run(app, host=host, port=args.port, log_level="warning", timeout_graceful_shutdown=30)
    print("server stopped", file=sys.stderr)
    return 0


class _Stopped(Exception):
    pass


@contextlib.contextmanager
def _stop_signals_exit_cleanly() -> Iterator[None]:
    """uvicorn finishes the requests in flight, then re-raises the signal it caught with the handler
    that was there before it: make that handler end the command normally instead of killing it."""

    def stop(signum: int, frame: Any) -> None:
        raise _Stopped

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _Stopped:
        pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def cmd_demo(args: argparse.Namespace) -> int:
    from workbench.serve.demo import launch_demo

    launch_demo(args.model, host=args.host, port=args.port)
    return 0
