"""``workbench export-space / push``: ship a model as a Hugging Face Space or to the Hub."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    from workbench.ship.space import SDKS

    p = subparsers.add_parser(
        "export-space", help="write a folder that runs the Gradio demo of one model (a Hugging Face Space)"
    )
    p.add_argument("model", help="registry model id or name")
    p.add_argument("dir", help="the folder to create (new or empty)")
    p.add_argument("--sdk", choices=SDKS, default="gradio", help="Space SDK (default: gradio)")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    p.set_defaults(func=cmd_export_space)

    p = subparsers.add_parser("push", help="upload a model with its card to a Hugging Face Hub repo")
    p.add_argument("model", help="registry model id or name")
    p.add_argument("repo_id", help="the Hub repo: NAMESPACE/NAME (created if new)")
    p.add_argument("--private", action="store_true", help="create the repo private")
    p.add_argument("--dry-run", action="store_true", help="list the files and print the card; send nothing")
    p.add_argument("--json", action="store_true", help="print the plan (or the result) as JSON")
    p.set_defaults(func=cmd_push)


def cmd_export_space(args: argparse.Namespace) -> int:
    from workbench.ship.space import export_space

    done = export_space(args.model, args.dir, sdk=args.sdk)
    if args.json:
        print(json.dumps({**vars(done), "folder": str(done.folder)}))
        return 0
    print(f"Space for {done.model_id} ({done.sdk}) written to {done.folder}: {len(done.files)} files")
    if done.extra_models:
        print(f"  with the models the safety rules ask: {', '.join(done.extra_models)}")
    print(f"  try it: cd {done.folder} && pip install -r requirements.txt && python app.py")
    print("  publish: push the folder to a new Space repo (git with LFS, or `hf upload`)")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from workbench.ship.hub import plan_push, push

    plan = plan_push(args.model, args.repo_id, private=args.private)
    visibility = "private" if plan.private else "public"
    if args.json and args.dry_run:
        print(json.dumps({**vars(plan), "folder": str(plan.folder), "dry_run": True}))
        return 0
    if args.dry_run:
        print(
            f"dry run: would push {plan.model_id} to {visibility} repo {plan.repo_id} ({plan.total_bytes:,} bytes):"
        )
        for name, size in plan.files:
            print(f"  {name:<40} {size:>14,}")
        print("\nmodel card (README.md):\n")
        print(plan.card)
        return 0
    url = push(plan)
    if args.json:
        print(json.dumps({"repo": plan.repo_id, "url": url, "files": [n for n, _ in plan.files]}))
    else:
        print(f"pushed {plan.model_id} ({len(plan.files)} files, {visibility}) to {url}")
    return 0
