"""Building :class:`TextDataset` objects: the content fingerprint and subsets that share a label set."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pandas as pd

from workbench.data.labels import label_counts
from workbench.data.spec import TextDataset

CANONICAL_COLUMNS = ("text", "text_pair", "label")
_FINGERPRINT_VERSION = 1
_HASH_CHUNK_ROWS = 20_000


def content_fingerprint(frame: pd.DataFrame, task: str) -> str:
    """sha256 of the task and the canonical rows (text, text pair, label), **in file order**.

    Order counts because splits and training batches depend on it; everything that does not change
    what a model learns is left out: the file's encoding, delimiter, format, column names, blank
    lines and row numbers. Labels hash by value (``"a|b"`` and ``"b|a"`` are the same set; ``1.50``
    and ``1.5`` the same number).
    """
    columns = [column for column in CANONICAL_COLUMNS if column in frame]
    digest = hashlib.sha256()
    header = {"version": _FINGERPRINT_VERSION, "task": task, "columns": columns}
    digest.update(json.dumps(header, sort_keys=True).encode())
    values = frame[columns]
    for start in range(0, len(values), _HASH_CHUNK_ROWS):
        chunk = values.iloc[start : start + _HASH_CHUNK_ROWS].to_numpy().tolist()
        digest.update(b"\n" + json.dumps(chunk, ensure_ascii=False).encode())
    return digest.hexdigest()


def subset(ds: TextDataset, positions: list[int] | pd.Index) -> TextDataset:
    """Rows ``positions`` of ``ds`` as a dataset of its own (same task, labels and columns)."""
    frame = ds.frame.iloc[list(positions)].reset_index(drop=True)
    report = dataclasses.replace(
        ds.report,
        rows_read=len(frame),
        rows_usable=len(frame),
        labels=label_counts(ds.task, frame["label"]) if "label" in frame else {},
        warnings=list(ds.report.warnings),
        errors=list(ds.report.errors),
    )
    return dataclasses.replace(
        ds, frame=frame, report=report, fingerprint=content_fingerprint(frame, ds.task)
    )
