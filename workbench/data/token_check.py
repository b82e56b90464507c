"""Check a token-level file (see ``token_files``) and turn it into a :class:`TextDataset`.

The canonical frame has one row per sentence: ``text`` (the original text, or the words joined by
spaces), ``tokens`` and ``offsets`` (each word and its characters in ``text``), ``label`` (the IOB2
tags, a tuple) and ``row`` (the sentence's first line, or the row of a span file). Every problem of a
file is reported at once; ``repair`` converts ``I-`` tags that open an entity as seqeval's IOB1→IOB2
rule does (they become ``B-``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.data.dataset import content_fingerprint
from workbench.data.encoding import decode_bytes
from workbench.data.io import read_table
from workbench.data.labels import task_entry
from workbench.data.spec import TASK_AUTO, ColumnMap, DataReport, TextDataset
from workbench.data.tagging import (
    BIOES,
    IOB1,
    broken_continuations,
    detect_scheme,
    entity_counts,
    split_tag,
    tag_list,
    to_iob2,
    unknown_tags,
)
from workbench.data.token_files import (
    CONLL,
    SPANS_CSV,
    TOKENS_JSONL,
    TokenFile,
    TokenRecord,
    iter_json_lines,
    read_conll,
    read_span_records,
    read_tokens_jsonl,
    sniff_format,
    span_rows_from_csv,
    span_rows_from_jsonl,
)
from workbench.errors import DataError

TOKEN_CLASSIFICATION = "token-classification"  # what a token file sniffed for ``auto`` is read as
_SNIFF_CHARS = 8192


def reads_tokens(task: str) -> bool:
    """Whether ``task``'s data is token files (``Task.reads_token_files``: token classification)."""
    entry = task_entry(task)
    return entry is not None and entry.reads_token_files


def token_task(task: str) -> str:
    """The task a token file is read for: the one asked for when it reads token files; token
    classification when ``auto`` sniffed a token file."""
    return task if reads_tokens(task) else TOKEN_CLASSIFICATION


def token_format(source: object, task: str) -> str | None:
    """The token format of ``source`` when it is a token-level file: sniffed for ``auto``; a task that
    reads token files (``Task.reads_token_files``) reads CoNLL when sniffing finds nothing else."""
    reads = reads_tokens(task)
    if isinstance(source, pd.DataFrame) or not (reads or task == TASK_AUTO):
        return None
    path = Path(str(source))
    if not path.is_file():
        return CONLL if reads else None
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_CHARS).decode("utf-8", errors="replace")
    found = sniff_format(path, head)
    return found or (CONLL if reads else None)


def read_token_file(
    path: str | Path, fmt: str, columns: ColumnMap, max_bytes: int | None = None
) -> TokenFile:
    """Read ``path`` in format ``fmt``; ``DataError`` when it cannot be read at all."""
    file = Path(path)
    if fmt == SPANS_CSV:
        frame = read_table(file, max_bytes=max_bytes)
        return read_span_records(span_rows_from_csv(frame, columns.text), "row")
    if not file.is_file():
        raise DataError(f"Data file not found: {path}. Check the path and the file name.")
    data = file.read_bytes()
    if max_bytes is not None and len(data) > max_bytes:
        raise DataError(f"{path} is {len(data):,} bytes, over the upload cap of {max_bytes:,} bytes.")
    text, _ = decode_bytes(data, str(path))
    if fmt == CONLL:
        return read_conll(text)
    lines = list(iter_json_lines(text))
    bad = [n for n, r in lines if not isinstance(r, dict)]
    if bad:
        raise DataError(
            f"{path}: lines {', '.join(map(str, bad[:12]))} are not JSON objects. Each line must be one object."
        )
    records = [(n, r) for n, r in lines if isinstance(r, dict)]
    if fmt == TOKENS_JSONL:
        return read_tokens_jsonl(records)
    return read_span_records(span_rows_from_jsonl(records, columns.text), "line")


def check_token_records(
    loaded: TokenFile,
    *,
    source: str,
    fmt: str,
    known_labels: list[str] | None = None,
    repair: bool = False,
    task: str = TOKEN_CLASSIFICATION,
) -> tuple[DataReport, pd.DataFrame]:
    """Validate tags, convert them to IOB2 and build the canonical frame; all problems at once.
    ``task``: the token task the data is for (a task whose ``reads_token_files`` is set)."""
    report = DataReport(source=source, columns=["tokens", "tags"], rows_read=len(loaded.records))
    report.task, report.format = task, fmt
    report.errors += loaded.problems
    report.warnings += loaded.warnings
    records = [r for r in loaded.records if r.tokens]
    labelled = [r for r in records if r.tags is not None]
    report.errors += _unknown_tag_errors(labelled, loaded.unit)
    if not report.errors and labelled:
        scheme = detect_scheme([r.tags for r in labelled])  # type: ignore[misc]
        report.scheme = scheme
        if scheme == IOB1:
            report.warnings.append("Tags read as IOB1 (entities open with I-) and converted to IOB2.")
        else:
            report.errors += _continuation_problems(labelled, scheme, loaded.unit, repair, report)
        for record in labelled:
            record.tags = to_iob2(record.tags, scheme)  # type: ignore[arg-type]
    if known_labels is not None and not report.errors:
        report.errors += _unknown_to_model(labelled, known_labels)
    frame = pd.DataFrame(
        {
            "text": [r.text for r in records],
            "tokens": [tuple(r.tokens) for r in records],
            "offsets": [tuple(r.offsets) for r in records],
            "row": [r.row for r in records],
        }
    )
    if labelled and len(labelled) == len(records):
        frame["label"] = [tuple(r.tags) for r in records]  # type: ignore[arg-type]
        if not report.errors:
            report.labels = entity_counts(frame["label"])
    report.rows_usable = len(frame) if not report.errors else 0
    if not records and not report.errors:
        report.errors.append(f"{source or 'The data'} holds no sentences. Give at least one token and tag.")
    return report, frame


def _unknown_tag_errors(records: list[TokenRecord], unit: str) -> list[str]:
    unknown = unknown_tags(r.tags for r in records)  # type: ignore[misc]
    if not unknown:
        return []
    where = sorted({_line(r, i, unit) for r in records for i, t in enumerate(r.tags or []) if t in unknown})
    shown = ", ".join(repr(t) for t in unknown[:8])
    return [
        f"Unknown tag scheme: {shown} {'is' if len(unknown) == 1 else 'are'} not O, B-TYPE/I-TYPE (IOB1, "
        f"IOB2) or B-/I-/E-/S-TYPE (BIOES), on {unit}s {', '.join(map(str, where[:12]))}"
        f"{' ...' if len(where) > 12 else ''}. Rename them, e.g. {unknown[0]!r} → 'B-{unknown[0]}'."
    ]


def _continuation_problems(
    records: list[TokenRecord], scheme: str, unit: str, repair: bool, report: DataReport
) -> list[str]:
    """``I-`` (BIOES: ``I-``/``E-``) tags that open an entity; ``repair`` turns them into ``B-``."""
    broken = [(r, i) for r in records for i in broken_continuations(r.tags or [], scheme)]
    if not broken:
        return []
    where = ", ".join(f"{_line(r, i, unit)} ({r.tags[i]!r} after {_previous(r, i)})" for r, i in broken[:8])  # type: ignore[index]
    more = " ..." if len(broken) > 8 else ""
    if repair:
        report.warnings.append(
            f"Repaired {len(broken)} tag(s) that opened an entity without B- (made B-, as seqeval's IOB1→IOB2 rule "
            f"does): {unit}s {where}{more}."
        )
        return []
    kind = "I-/E-" if scheme == BIOES else "I-"
    return [
        f"{len(broken)} {kind} tag(s) do not continue an entity of their type: {unit}s {where}{more}. "
        "Fix them, or run `workbench data check FILE --repair -o FIXED` to start those entities with B-."
    ]


def _previous(record: TokenRecord, position: int) -> str:
    return "the sentence start" if position == 0 else repr(record.tags[position - 1])  # type: ignore[index]


def _line(record: TokenRecord, position: int, unit: str) -> int:
    return record.lines[position] if record.lines else record.row


def _unknown_to_model(records: list[TokenRecord], known: list[str]) -> list[str]:
    model_types = {split_tag(t)[1] for t in known if split_tag(t) and split_tag(t)[1]}  # type: ignore[index]
    data_types = {e for r in records for t in r.tags or [] if (e := (split_tag(t) or ("O", None))[1])}
    extra = sorted(data_types - model_types)
    if not extra:
        return []
    return [
        f"Entity type(s) {', '.join(map(repr, extra))} are not among the model's types "
        f"({', '.join(sorted(model_types))}). Evaluate on data with the model's types."
    ]


def check_token_data(
    path: str | Path,
    columns: ColumnMap,
    fmt: str,
    *,
    known_labels: list[str] | None = None,
    repair: bool = False,
    max_bytes: int | None = None,
    task: str = TOKEN_CLASSIFICATION,
) -> tuple[DataReport, pd.DataFrame, TokenFile | None]:
    """Never raises for a bad file: read failures become ``report.errors``."""
    try:
        loaded = read_token_file(path, fmt, columns, max_bytes)
    except DataError as exc:
        report = DataReport(source=str(path), columns=[], errors=list(exc.problems))
        report.task, report.format = task, fmt
        return report, pd.DataFrame(columns=["text", "tokens", "offsets", "row"]), None
    report, frame = check_token_records(
        loaded, source=str(path), fmt=fmt, known_labels=known_labels, repair=repair, task=task
    )
    return report, frame, loaded


def load_token_dataset(
    path: str | Path,
    columns: ColumnMap,
    fmt: str,
    *,
    labels: list[str] | None = None,
    require_labels: bool = True,
    max_bytes: int | None = None,
    task: str = TOKEN_CLASSIFICATION,
) -> TextDataset:
    """A token dataset or one ``DataError`` listing every problem."""
    report, frame, _ = check_token_data(
        path, columns, fmt, known_labels=labels, max_bytes=max_bytes, task=task
    )
    if require_labels and "label" not in frame and not report.errors:
        report.errors.append(f"{path} has sentences without tags; every sentence needs one tag per token.")
    if report.errors:
        raise DataError(
            f"{path} cannot be used: {len(report.errors)} problem(s), first: {report.errors[0]}",
            problems=report.errors,
        )
    types = list(report.labels)
    label_list = list(labels) if labels is not None else tag_list(types)
    fingerprint = content_fingerprint(frame, task)
    return TextDataset(frame, task, label_list, columns, fingerprint, report, source=str(path))
