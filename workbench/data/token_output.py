"""Write token-level records back to a file, in the format its name asks for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workbench.data.token_files import CONLL, SPANS_JSONL, TOKENS_JSONL, WRITERS, TokenRecord
from workbench.fsutil import atomic_write_text

if TYPE_CHECKING:
    import pandas as pd

_BY_SUFFIX = {".jsonl": TOKENS_JSONL, ".ndjson": TOKENS_JSONL}


def write_token_file(records: list[TokenRecord], path: str | Path, fmt: str | None = None) -> Path:
    """CoNLL (``token<TAB>tag``) unless the name ends in ``.jsonl`` (tokens + tags); ``fmt`` may
    ask for ``spans-jsonl`` (texts with character spans) instead."""
    target = Path(path)
    chosen = fmt or _BY_SUFFIX.get(target.suffix.lower(), CONLL)
    if chosen not in WRITERS:
        chosen = SPANS_JSONL if "span" in chosen else CONLL
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, WRITERS[chosen](records))
    return target


def records_of(frame: pd.DataFrame) -> list[TokenRecord]:
    """The sentences of a canonical token frame (``tokens``, ``label``, ``row``, ``text``, ``offsets``)."""
    return [
        TokenRecord(
            list(r["tokens"]),
            list(r["label"]) if "label" in r else None,
            int(r["row"]),
            r["text"],
            list(r["offsets"]),
        )
        for r in frame.to_dict("records")
    ]
