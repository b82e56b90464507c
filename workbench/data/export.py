"""CSV export that spreadsheet programs cannot turn into running formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with a single quote
(OWASP "CSV injection"). Plain numbers such as ``-3.5`` are left alone so numeric columns (regression
labels) survive a round trip.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from workbench.fsutil import atomic_write_text

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value: object) -> str:
    """The text of ``value`` as it is safe to put in a CSV cell."""
    text = _cell_text(value)
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, tuple | list):
        return "|".join(str(item) for item in value)
    return str(value)


def write_csv_safe(frame: pd.DataFrame, path: str | Path, *, excel_bom: bool = False) -> Path:
    """Write ``frame`` (header included, no index) atomically, every cell neutralised.

    ``excel_bom`` adds a UTF-8 byte-order mark so Excel shows non-ASCII text correctly.
    """
    safe = frame.copy()
    safe.columns = [neutralise_cell(column) for column in frame.columns]
    for column in safe.columns:
        safe[column] = safe[column].map(neutralise_cell).astype(object)
    text = safe.to_csv(index=False, lineterminator="\n")
    target = Path(path)
    atomic_write_text(target, ("\ufeff" if excel_bom else "") + text)
    return target
