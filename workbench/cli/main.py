"""Entry point of the ``workbench`` console script.

Subcommands live in their own modules (``data_cmd``, ``train_cmd``, ``safety_cmd``...), each with a
``register(subparsers)`` that adds its parsers and sets ``func``. A user mistake (``WorkbenchError``)
prints one clear line per problem and exits 2; tracebacks only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence

from workbench.errors import WorkbenchError

COMMAND_MODULES = (
    "workbench.cli.data_cmd",
    "workbench.cli.model_cmd",
    "workbench.cli.safety_cmd",
    "workbench.cli.variant_cmd",
    "workbench.cli.explain_cmd",
    "workbench.cli.review_cmd",
    "workbench.cli.serve_cmd",
    "workbench.cli.tune_cmd",
    "workbench.cli.monitor_cmd",
    "workbench.cli.ship_cmd",
)

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="LLM Onboarding Workbench: fine-tune, compress, explain, check and serve transformers.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # capability not built yet
                continue
            raise
        module.register(subparsers)
    return parser


def _quiet_libraries() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.getLogger("transformers").setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_libraries()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        code = args.func(args)
    except WorkbenchError as exc:
        if args.debug:
            traceback.print_exc()
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"error: unexpected failure: {type(exc).__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
