"""Safe exports: CSV cells that cannot run as spreadsheet formulas, and masked text columns.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return) is executed as a
formula by Excel and LibreOffice when the CSV is opened; it gets a leading ``'`` (OWASP "CSV
injection"). The cell rule itself lives in the data layer (``workbench.data.export``), so every
export of the workbench neutralises cells the same way; this module adds the safety-specific parts:
masked text columns and the hits table of ``workbench scan --data``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.data.export import neutralise_cell, write_csv_safe
from workbench.safety.engine import mask_text, scan_batch
from workbench.safety.rules import RuleSet
from workbench.safety.spec import ScanResult

HIT_COLUMNS = (
    "row",
    "rule",
    "category",
    "severity",
    "action",
    "start",
    "end",
    "preview",
    "detail",
    "confidence",
    "masked_text",
)


def neutralise_formula(value: Any) -> Any:
    """``value`` made inert for spreadsheets: a string that would start a formula gets a leading ``'``;
    anything that is not a string (numbers, None) is returned unchanged."""
    return neutralise_cell(value) if isinstance(value, str) else value


def write_safe_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as UTF-8 CSV, atomically, every cell and column name neutralised."""
    return write_csv_safe(frame, Path(path))


def mask_columns(
    frame: pd.DataFrame, columns: Sequence[str], *, rules: RuleSet | None = None
) -> pd.DataFrame:
    """A copy of ``frame`` whose text ``columns`` have personal data masked (for exports and logs)."""
    masked = frame.copy()
    for column in columns:
        masked[column] = [mask_text(v, rules) if isinstance(v, str) else v for v in masked[column]]
    return masked


def hits_frame(results: Iterable[ScanResult], rows: Iterable[Any]) -> pd.DataFrame:
    """One line per hit: where it is and what was done; the text only in masked form."""
    records = [
        {
            "row": row,
            **hit.to_json_dict(),
            "preview": hit.masked_preview,
            "detail": hit.detail,  # which variant / normalisation found it (`override via base64`)
            "confidence": hit.confidence,
            "masked_text": result.masked_text,
        }
        for result, row in zip(results, rows, strict=True)
        for hit in result.hits
    ]
    return pd.DataFrame.from_records(records, columns=list(HIT_COLUMNS))


def scan_texts_to_csv(
    texts: Sequence[str],
    path: str | os.PathLike[str],
    *,
    rows: Sequence[Any] | None = None,
    rules: RuleSet | None = None,
) -> list[ScanResult]:
    """Scan ``texts`` and write their hits to a safe CSV (see ``hits_frame``); returns the results.

    The ``masked_text`` column has *all* personal data masked, whatever each rule's action.
    """
    results = scan_batch(texts, rules, mask_pii=True)
    write_safe_csv(hits_frame(results, rows if rows is not None else range(1, len(texts) + 1)), path)
    return results
