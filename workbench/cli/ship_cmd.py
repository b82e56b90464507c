"""``workbench export-space``: ship a model as a Hugging Face Space."""

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

