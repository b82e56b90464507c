"""Read a user's table (CSV/TSV/TXT, Excel, JSON lines) into a frame of strings.

Every cell comes back as ``str`` (empty cells as ``""``) so no value is silently turned into a
number or NaN. Blank lines are kept as empty rows so that row numbers in later messages match what
the user sees in a spreadsheet; the checks drop them. Files are parsed by pandas' C parser; the
slow ``csv`` module only runs to describe a file that the C parser refused.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from workbench.data.encoding import SNIFF_BYTES, decode_bytes, file_lines, lone_surrogates
from workbench.data.messages import list_items, plural, quoted, rows_phrase, verb
from workbench.errors import DataError

DELIMITERS = (",", ";", "\t", "|")
SNIFF_RECORDS = 50
_ROW_NUMBERING_ATTR = "row_numbering"
NUL_CLEANING_ATTR = "nul_cleaning"
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RowNumbering:
    """How record ``i`` (0-based) of a frame is numbered in messages: ``first + i`` in ``unit``s."""

    first: int = 2
    unit: str = "row"
    note: str = "row numbers as in a spreadsheet: header = row 1"

    def number(self, position: int) -> int:
        return self.first + position

    def where(self, rows: list[int]) -> str:
        """``"rows 2, 5 (row numbers as in a spreadsheet: header = row 1)"``."""
        return f"{rows_phrase(rows, self.unit)} ({self.note})"


TABLE_ROWS = RowNumbering()
JSONL_LINES = RowNumbering(first=1, unit="line", note="line numbers of the JSON-lines file")
JSON_RECORDS = RowNumbering(first=1, unit="record", note="record numbers in the JSON array, first = 1")


def row_numbering(frame: pd.DataFrame) -> RowNumbering:
    """The numbering :func:`read_table` attached to ``frame`` (spreadsheet rows by default)."""
    stored = frame.attrs.get(_ROW_NUMBERING_ATTR)
    return RowNumbering(**stored) if isinstance(stored, dict) else TABLE_ROWS


def read_table(path: str | Path, *, max_bytes: int | None = None) -> pd.DataFrame:
    """Read ``path`` into a frame of strings; ``DataError`` says what is wrong and how to fix it."""
    file = Path(path)
    source = str(path)
    data = _read_capped(file, source, max_bytes)
    reader = _pick_reader(file, data)
    frame, numbering = reader(data, source, file.suffix.lower())
    frame.attrs[_ROW_NUMBERING_ATTR] = asdict(numbering)
    return frame


def _read_capped(file: Path, source: str, max_bytes: int | None) -> bytes:
    if not file.exists():
        raise DataError(f"Data file not found: {source}. Check the path and the file name.")
    if not file.is_file():
        raise DataError(
            f"{source} is a folder, not a data file. Give the path of a CSV, Excel or JSON-lines file."
        )
    size = file.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise DataError(
            f"{source} is {_human_size(size)} ({size:,} bytes), over the upload cap of "
            f"{_human_size(max_bytes)} ({max_bytes:,} bytes). Use a smaller file (sample or split it) "
            "or raise the cap."
        )
    data = file.read_bytes()
    if not data.strip():
        raise DataError(f"{source} is empty. Give a file with a header row and at least one data row.")
    return data


def _human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "bytes" else f"{size} bytes"
        size /= 1024
    raise AssertionError("unreachable")


Reader = Callable[[bytes, str, str], tuple[pd.DataFrame, RowNumbering]]


def _pick_reader(file: Path, data: bytes) -> Reader:
    suffix = file.suffix.lower()
    if suffix in (".xls", ".xlsm", ".ods") and not data.startswith(_XLSX_MAGIC):
        return _refuse_old_spreadsheet
    if data.startswith(_XLSX_MAGIC):
        return _read_excel
    return READERS.get(suffix, _read_delimited)


def _refuse_old_spreadsheet(data: bytes, source: str, suffix: str) -> tuple[pd.DataFrame, RowNumbering]:
    raise DataError(f"{source}: the {suffix} format is not supported. Save it as .xlsx or as CSV (UTF-8).")


def _read_excel(data: bytes, source: str, suffix: str) -> tuple[pd.DataFrame, RowNumbering]:
    try:
        raw = pd.read_excel(io.BytesIO(data), sheet_name=0, header=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for damaged or non-Excel zips
        raise DataError(
            f"{source} could not be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx, or export it as CSV (UTF-8)."
        ) from None
    raw = raw.fillna("").astype(str)
    if raw.empty:
        raise DataError(f"{source}: the first sheet is empty. Put the header in row 1 and data below it.")
    return _split_header(raw, source), TABLE_ROWS


def _read_delimited(data: bytes, source: str, suffix: str) -> tuple[pd.DataFrame, RowNumbering]:
    text, _ = decode_bytes(data, source)
    text = text.replace("\r\n", "\n")
    stray = _NUL_STAND_IN if "\x00" in text else None
    if stray:  # parse with a stand-in the parser keeps, then find and clean the cells that held NULs
        text = text.replace(_NUL_STAND_IN, "").replace("\x00", _NUL_STAND_IN)
    if not text.strip():
        raise DataError(f"{source} is empty. Give a file with a header row and at least one data row.")
    delimiter = "\t" if suffix == ".tsv" else sniff_delimiter(text[:SNIFF_BYTES])
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            quotechar='"',
            doublequote=True,
        )
    except pd.errors.ParserError as exc:
        raise _describe_parse_failure(text, delimiter, source, exc) from None
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{source} is empty. Give a file with a header row and at least one data row."
        ) from None
    frame = _split_header(raw, source)
    if stray:
        held = frame.apply(lambda column: column.str.contains(stray, regex=False))
        frame = frame.apply(lambda column: column.str.replace(stray, "", regex=False))
        _note_nul_cleaning(
            frame, int(held.to_numpy().sum()), [i for i, row in enumerate(held.any(axis=1)) if row]
        )
    return frame, TABLE_ROWS


_NUL_STAND_IN = "\ufdd0"  # a Unicode noncharacter: never meaningful text, kept as is by pandas' parser


def _note_nul_cleaning(frame: pd.DataFrame, cells: int, positions: list[int]) -> None:
    """Record (for the check's report) how many cells lost NUL bytes, by 0-based record position."""
    frame.attrs[NUL_CLEANING_ATTR] = {"cells": cells, "positions": positions}


def nul_cleaning(frame: pd.DataFrame) -> tuple[int, list[int]]:
    """``(cells, record positions)`` from which stray NUL bytes were removed when the file was read."""
    stored = frame.attrs.get(NUL_CLEANING_ATTR) or {}
    return int(stored.get("cells", 0)), list(stored.get("positions", []))


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the first records into the most consistent columns."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        widths = [len(record) for record in _first_records(sample, delimiter) if record]
        if len(widths) > 1 and len(sample) >= SNIFF_BYTES:
            widths = widths[:-1]  # the last record of a cut sample may be partial
        if not widths or widths[0] < 2:
            continue
        score = (sum(width == widths[0] for width in widths) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_records(sample: str, delimiter: str) -> list[list[str]]:
    try:
        return list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), SNIFF_RECORDS))
    except csv.Error:
        return []


def _describe_parse_failure(text: str, delimiter: str, source: str, exc: Exception) -> DataError:
    """Re-read with the ``csv`` module to list every bad line, not only the first one pandas saw."""
    shown = "tab" if delimiter == "\t" else repr(delimiter)
    with _unlimited_csv_fields():
        records = _records_with_lines(text, delimiter)
        try:
            header_width = len(next(records)[1])
            ragged = [line for line, fields in records if len(fields) > header_width]
        except csv.Error as csv_exc:
            return DataError(
                f"{source} could not be parsed as a table with delimiter {shown}: {csv_exc}. "
                'Check for an unclosed quote (") near that line.'
            )
    if not ragged:
        return DataError(
            f"{source} could not be parsed as a table with delimiter {shown}: {exc}. "
            'Check for an unclosed quote (") near that line.'
        )
    return DataError(
        f"{source}: {plural(len(ragged), 'row')} {verb(len(ragged), 'has', 'have')} more fields than the header ({header_width} columns, "
        f"delimiter {shown}): {rows_phrase(ragged, 'line')} (line numbers of the file, header = line 1). "
        f"Quote fields that contain {shown}, or remove the extra fields."
    )


def _records_with_lines(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line where the record starts, fields)``."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    start = 1
    for fields in reader:
        yield start, fields
        start = reader.line_num + 1


@contextlib.contextmanager
def _unlimited_csv_fields() -> Iterator[None]:
    previous = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _split_header(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Use the first record as column names, refusing duplicates (pandas would rename them)."""
    names = [name.strip() or f"column_{i + 1}" for i, name in enumerate(raw.iloc[0].tolist())]
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        positions.setdefault(name, []).append(i + 1)
    duplicated = {name: cols for name, cols in positions.items() if len(cols) > 1}
    if duplicated:
        details = list_items(
            [f"{quoted([n])} (columns {', '.join(map(str, c))})" for n, c in duplicated.items()]
        )
        raise DataError(
            f"{source} has duplicate column names: {details}. Rename them so each column name is unique."
        )
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = names
    return frame


def _read_json_lines(data: bytes, source: str, suffix: str) -> tuple[pd.DataFrame, RowNumbering]:
    text, _ = decode_bytes(data, source)
    stripped = text.lstrip()
    if suffix == ".json" and stripped.startswith("["):
        return _json_array_frame(stripped, source), JSON_RECORDS
    records, bad, cleaned_cells, cleaned_lines = [], [], 0, []
    for number, line in enumerate(file_lines(text), start=1):
        if not line.strip():
            records.append({})
            continue
        if "\x00" in line:  # stray NULs: JSON forbids raw control characters, so they go before parsing
            cleaned_cells += len([part for part in line.split('"') if "\x00" in part])
            cleaned_lines.append(len(records))
            line = line.replace("\x00", "")
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            bad.append(number)
            continue
        records.append(record)
    if bad:
        raise DataError(
            f"{source}: {plural(len(bad), 'line')} {verb(len(bad), 'is', 'are')} not JSON objects: {rows_phrase(bad, 'line')}. "
            'Each line must be one object such as {"text": "...", "label": "..."}.'
        )
    frame = _records_frame(records, source, "line")
    if cleaned_lines:
        _note_nul_cleaning(frame, cleaned_cells, cleaned_lines)
    return frame, JSONL_LINES


def _json_array_frame(text: str, source: str) -> pd.DataFrame:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{source} is not valid JSON ({exc}). Fix it or export it as JSON lines or CSV."
        ) from None
    bad = [i + 1 for i, record in enumerate(records) if not isinstance(record, dict)]
    if bad:
        raise DataError(
            f"{source}: {plural(len(bad), 'record')} {verb(len(bad), 'is', 'are')} not JSON objects: "
            f"{rows_phrase(bad, 'record')}. Give a list of objects with the same keys."
        )
    return _records_frame(records, source, "record")


def _records_frame(records: list[dict], source: str, unit: str) -> pd.DataFrame:
    columns = list(dict.fromkeys(key for record in records for key in record))
    rows = [[_cell(record.get(column)) for column in columns] for record in records]
    # JSON's escapes can write half a surrogate pair ("\\ud800"): refused here, with its line, not deep in a
    # model (UTF-8 cannot encode it; pandas' string columns fail on it already)
    width = max(len(columns), 1)
    problem = lone_surrogates([cell for row in rows for cell in row], lambda i: f"{unit} {i // width + 1}")
    if problem is None and not all(column.isascii() for column in columns):  # a key (column name)
        keys = [(number, key) for number, record in enumerate(records, start=1) for key in record]
        problem = lone_surrogates([key for _, key in keys], lambda i: f"a key on {unit} {keys[i][0]}")
    if problem is not None:
        raise DataError(f"{source}: {problem[0].lower()}{problem[1:]}")
    return pd.DataFrame(rows, columns=columns, dtype=str)


def _cell(value: object) -> str:
    """JSON values as the strings a CSV would hold; lists become ``a|b`` (the multi-label form)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "|".join(_cell(item) for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


READERS: dict[str, Reader] = {
    ".csv": _read_delimited,
    ".tsv": _read_delimited,
    ".txt": _read_delimited,
    ".xlsx": _read_excel,
    ".jsonl": _read_json_lines,
    ".ndjson": _read_json_lines,
    ".json": _read_json_lines,
}
