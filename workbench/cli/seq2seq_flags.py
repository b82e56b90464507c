"""Flags shared by the commands that handle translation (seq2seq) data and models: the source and
target columns or files, the generation settings (from ``GenerationSpec``'s fields) and the sacreBLEU
tokeniser."""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields
from typing import Any

SEQ2SEQ = "seq2seq"


def add_pair_flags(p: argparse.ArgumentParser, *, files: bool = True) -> None:
    p.add_argument("--source-column", metavar="C", help="seq2seq: column with the source texts")
    p.add_argument("--target-column", metavar="C", help="seq2seq: column with the target texts")
    if files:
        p.add_argument("--source-file", metavar="F", help="seq2seq: plain-text file of sources, one per line")
        p.add_argument(
            "--target-file", metavar="F", help="seq2seq: plain-text file of targets, aligned with the sources"
        )


def apply_pair_flags(
    args: argparse.Namespace, file_attr: str, text_attr: str, label_attr: str | None
) -> bool:
    """Map the seq2seq flags onto the generic ones (source = text, target = label); True when any was
    given, i.e. the data is translation pairs."""
    given = False
    if getattr(args, "source_file", None):
        if getattr(args, file_attr, None):
            from workbench.errors import SpecError

            raise SpecError(
                f"Give the sources either as the file argument ({getattr(args, file_attr)}) or with "
                f"--source-file ({args.source_file}), not both."
            )
        setattr(args, file_attr, args.source_file)
        given = True
    if getattr(args, "source_column", None):
        setattr(args, text_attr, args.source_column)
        given = True
    if label_attr and getattr(args, "target_column", None):
        setattr(args, label_attr, args.target_column)
        given = True
    return given or bool(getattr(args, "target_file", None))


def add_generation_flags(p: argparse.ArgumentParser) -> None:
    """One flag per ``GenerationSpec`` field (``--num-beams``, ``--max-new-tokens``...)."""
    from workbench.inference.generation import GenerationSpec

    for f in fields(GenerationSpec):
        flag = "--" + f.name.replace("_", "-")
        default = None if f.default is MISSING else f.default
        if isinstance(default, bool):
            p.add_argument(
                flag, dest=f.name, action="store_true", default=None, help=f"seq2seq: {f.metadata['help']}"
            )
        else:
            p.add_argument(
                flag,
                dest=f.name,
                type=str if default is None else type(default),
                default=None,
                metavar="CODE" if default is None else "N",
                help=f"seq2seq: {f.metadata['help']}" + ("" if default is None else f" (default: {default})"),
            )


def generation_from_args(args: argparse.Namespace) -> Any:
    """The ``GenerationSpec`` of the flags given, or None when none was (the task's defaults)."""
    from workbench.inference.generation import GenerationSpec

    given = {
        f.name: getattr(args, f.name)
        for f in fields(GenerationSpec)
        if getattr(args, f.name, None) is not None
    }
    return GenerationSpec(**given) if given else None
