"""Token-level files: CoNLL/IOB columns, JSON lines with ``tokens`` + ``tags``, and texts with character
spans (JSON lines or CSV, what annotation tools export). Each reader returns one :class:`TokenRecord`
per sentence plus every problem found, with the line or row the user sees; writers go back to each
format so a file can be repaired and saved (``workbench data check --repair -o``).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.data.encoding import file_lines
from workbench.data.tagging import OUTSIDE, entities_of

CONLL, TOKENS_JSONL, SPANS_JSONL, SPANS_CSV = "conll", "tokens-jsonl", "spans-jsonl", "spans-csv"
CONLL_SUFFIXES = (".conll", ".conll03", ".iob", ".iob2", ".bio", ".bioes", ".annotated")
TOKEN_KEYS, TAG_KEYS, SPAN_KEYS = ("tokens", "words"), ("tags", "ner_tags", "labels"), ("spans", "entities")
DOCSTART = "-DOCSTART-"
_WORD = re.compile(r"\w+|[^\w\s]")
_LOOKS_LIKE_TAG = re.compile(r"^(O|[BIESLU][-_]\S+)$")


@dataclass
class TokenRecord:
    """One sentence: its words, their tags (None for unlabelled input) and where it came from.

    ``text`` and ``offsets`` (each word's characters in ``text``) are the original text for span
    files; for word files they are the words joined by single spaces.
    """

    tokens: list[str]
    tags: list[str] | None
    row: int
    text: str = ""
    offsets: list[tuple[int, int]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # each word's line (CoNLL), for messages

    def __post_init__(self) -> None:
        if not self.offsets and self.tokens:
            self.text, self.offsets = join_words(self.tokens)


@dataclass
class TokenFile:
    records: list[TokenRecord]
    unit: str  # "line" or "row": how ``record.row`` and the messages number things
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def join_words(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    offsets, position = [], 0
    for token in tokens:
        offsets.append((position, position + len(token)))
        position += len(token) + 1
    return " ".join(tokens), offsets


def split_words(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Words and punctuation marks of ``text`` with their character offsets."""
    found = [(m.group(), (m.start(), m.end())) for m in _WORD.finditer(text)]
    return [w for w, _ in found], [o for _, o in found]


def sniff_format(path: Path, head: str) -> str | None:
    """The token format of a file from its name and first characters, or None (a plain table)."""
    suffix = path.suffix.lower()
    if suffix in CONLL_SUFFIXES:
        return CONLL
    if suffix in (".jsonl", ".ndjson", ".json"):
        first = next((line for line in file_lines(head) if line.strip()), "")
        try:
            record = json.loads(first)
        except json.JSONDecodeError:
            return None
        if isinstance(record, dict) and any(k in record for k in TOKEN_KEYS):
            return TOKENS_JSONL
        if isinstance(record, dict) and any(k in record for k in SPAN_KEYS):
            return SPANS_JSONL
        return None
    if suffix in (".csv", ".tsv"):
        header = {c.strip().lower() for c in re.split(r"[,;\t|]", head.split("\n", 1)[0])}
        return SPANS_CSV if header & set(SPAN_KEYS) or {"start", "end"} <= header else None
    head_lines = file_lines(head)
    lines = [line for line in head_lines[:40] if line.strip() and not line.startswith(DOCSTART)]
    lines = lines[:-1] if len(head_lines) > 40 else lines
    if lines and all(_LOOKS_LIKE_TAG.match(line.split()[-1]) and len(line.split()) >= 2 for line in lines):
        return CONLL
    return None


def read_conll(text: str) -> TokenFile:
    """Token and tag columns (tab or space separated; the tag is the last column, as in CoNLL-2003),
    sentences separated by blank or whitespace-only lines, ``-DOCSTART-`` lines skipped."""
    out = TokenFile([], "line")
    tokens: list[str] = []
    tags: list[str] = []
    lines: list[int] = []
    missing: list[int] = []
    for number, line in enumerate(file_lines(text), start=1):
        if not line.strip() or line.startswith(DOCSTART):
            if tokens:
                out.records.append(TokenRecord(tokens, tags, lines[0], lines=lines))
            tokens, tags, lines = [], [], []
            continue
        fields = line.rstrip("\n").split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields if f.strip()]
        if len(fields) < 2:
            missing.append(number)
            continue
        lines.append(number)
        tokens.append(fields[0])
        tags.append(fields[-1])
    if tokens:
        out.records.append(TokenRecord(tokens, tags, lines[0], lines=lines))
    if missing:
        out.problems.append(
            f"{_count(missing, 'line')} without a tag column: {_where(missing, 'line')}. Each line needs "
            "a token and its tag separated by a tab or space (e.g. 'Paris<TAB>B-location')."
        )
    return out


def read_tokens_jsonl(records: list[tuple[int, dict]]) -> TokenFile:
    """``{"tokens": [...], "tags": [...]}`` per line (the Hugging Face datasets / AutoTrain shape)."""
    out = TokenFile([], "line")
    mismatched, numeric, bad = [], [], []
    for number, record in records:
        tokens = next((record[k] for k in TOKEN_KEYS if k in record), None)
        tags = next((record[k] for k in TAG_KEYS if k in record), None)
        if not isinstance(tokens, list) or (tags is not None and not isinstance(tags, list)):
            bad.append(number)
            continue
        if tags is not None and any(not isinstance(t, str) for t in tags):
            numeric.append(number)
            continue
        if tags is not None and len(tags) != len(tokens):
            mismatched.append(f"line {number} ({len(tokens)} tokens, {len(tags)} tags)")
            continue
        words = [str(t) for t in tokens]
        out.records.append(TokenRecord(words, tags, number))
    if bad:
        out.problems.append(
            f"{_count(bad, 'line')} without a list of tokens (and tags): {_where(bad, 'line')}. "
            'Each line must look like {"tokens": ["Paris", "is"], "tags": ["B-location", "O"]}.'
        )
    if numeric:
        out.problems.append(
            f"{_count(numeric, 'line')} hold tag numbers instead of tag names: {_where(numeric, 'line')}. "
            "Write the names (B-person, O...) as the dataset's features list them."
        )
    if mismatched:
        out.problems.append(
            f"Token/tag count mismatch on {_count(mismatched, 'line')}: {', '.join(mismatched[:10])}"
            f"{' ...' if len(mismatched) > 10 else ''}. Give exactly one tag per token."
        )
    return out


def read_span_records(rows: list[tuple[int, str, list | None]], unit: str) -> TokenFile:
    """Texts with character spans, one ``(row, text, spans)`` each; spans are dicts with ``start``,
    ``end``, ``label`` or ``[start, end, label]`` lists. Words are split on word characters and
    punctuation; a span that cuts a word tags the whole word (a warning names it)."""
    out = TokenFile([], unit)
    outside, overlapping, malformed, cut = [], [], [], []
    for row, text, spans in rows:
        tokens, offsets = split_words(text)
        tags = None if spans is None else [OUTSIDE] * len(tokens)
        parsed = [_span(s) for s in spans or []]
        if any(p is None for p in parsed):
            malformed.append(row)
            continue
        ordered = sorted(parsed)  # type: ignore[type-var]
        if any(s[0] < 0 or s[1] > len(text) or s[0] >= s[1] for s in ordered):
            outside.append(f"{unit} {row} (text of {len(text)} characters)")
            continue
        if any(b[0] < a[1] for a, b in itertools.pairwise(ordered)):
            overlapping.append(row)
            continue
        for start, end, label in ordered:
            inside = [i for i, (s, e) in enumerate(offsets) if s < end and e > start]
            if not inside:
                outside.append(f"{unit} {row} (span {start}-{end} holds no word)")
                continue
            if offsets[inside[0]][0] != start or offsets[inside[-1]][1] != end:
                cut.append(row)
            for k, i in enumerate(inside):
                tags[i] = f"{'B' if k == 0 else 'I'}-{label}"  # type: ignore[index]
        out.records.append(TokenRecord(tokens, tags, row, text, offsets))
    if malformed:
        out.problems.append(
            f"{_count(malformed, unit)} with malformed spans: {_where(malformed, unit)}. Write each span as "
            '{"start": 0, "end": 5, "label": "person"} (character offsets, end exclusive).'
        )
    if outside:
        out.problems.append(
            f"Spans outside the text on {', '.join(outside[:10])}{' ...' if len(outside) > 10 else ''}. "
            "start and end are character offsets with 0 <= start < end <= the text's length."
        )
    if overlapping:
        out.problems.append(
            f"Overlapping spans on {_count(overlapping, unit)}: {_where(overlapping, unit)}. "
            "Keep one label per character: remove or shorten one of each pair."
        )
    if cut:
        out.warnings.append(
            f"Spans that cut a word on {_count(cut, unit)} ({_where(cut, unit)}): the whole word is tagged."
        )
    return out


def _span(value: object) -> tuple[int, int, str] | None:
    if isinstance(value, dict):
        value = [value.get("start"), value.get("end"), value.get("label")]
    if not isinstance(value, list | tuple) or len(value) != 3:
        return None
    start, end, label = value
    if not isinstance(start, int) or not isinstance(end, int) or not isinstance(label, str) or not label:
        return None
    return start, end, label


def span_rows_from_jsonl(
    records: list[tuple[int, dict]], text_key: str
) -> list[tuple[int, str, list | None]]:
    rows = []
    for number, record in records:
        spans = next((record[k] for k in SPAN_KEYS if k in record), None)
        rows.append((number, str(record.get(text_key, "")), spans if isinstance(spans, list) else None))
    return rows


def span_rows_from_csv(frame: pd.DataFrame, text_col: str) -> list[tuple[int, str, list | None]]:
    """A ``spans`` column of JSON lists, or one row per entity (``start``, ``end``, ``label``; rows of
    the same text in a row form one example, a row with empty offsets a text without entities)."""
    lower = {str(c).strip().lower(): c for c in frame.columns}
    text_column = lower.get(text_col.lower(), text_col)
    span_column = next((lower[k] for k in SPAN_KEYS if k in lower), None)
    rows: list[tuple[int, str, list | None]] = []
    for position, record in enumerate(frame.to_dict("records")):
        text, row = str(record.get(text_column, "")), position + 2
        if span_column is not None:
            rows.append((row, text, _json_list(record[span_column])))
            continue
        start, end = str(record.get(lower["start"], "")).strip(), str(record.get(lower["end"], "")).strip()
        span = [_int(start), _int(end), str(record.get(lower.get("label"), "")).strip()] if start else None
        if rows and rows[-1][1] == text and span is not None:
            rows[-1][2].append(span)  # type: ignore[union-attr]
        else:
            rows.append((row, text, [span] if span is not None else []))
    return rows


def _json_list(cell: object) -> list:
    try:
        value = json.loads(str(cell) or "[]")
    except json.JSONDecodeError:
        return [None]
    return value if isinstance(value, list) else [None]


def _int(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value


def _count(items: list, unit: str) -> str:
    return f"{len(items)} {unit}{'s' if len(items) != 1 else ''}"


def _where(rows: list[int], unit: str) -> str:
    shown = ", ".join(str(r) for r in rows[:12])
    return f"{unit}{'s' if len(rows) != 1 else ''} {shown}{' ...' if len(rows) > 12 else ''}"


def to_conll(records: list[TokenRecord]) -> str:
    return (
        "\n\n".join(
            "\n".join(f"{w}\t{t}" for w, t in zip(r.tokens, r.tags or [], strict=True)) for r in records
        )
        + "\n"
    )


def to_tokens_jsonl(records: list[TokenRecord]) -> str:
    return "".join(
        json.dumps({"tokens": r.tokens, "tags": r.tags}, ensure_ascii=False) + "\n" for r in records
    )


def to_spans_jsonl(records: list[TokenRecord]) -> str:
    return "".join(
        json.dumps({"text": r.text, "spans": record_spans(r)}, ensure_ascii=False) + "\n" for r in records
    )


def record_spans(record: TokenRecord) -> list[dict]:
    """The record's entities as character spans over its text."""
    return [
        {"start": record.offsets[e.start][0], "end": record.offsets[e.end - 1][1], "label": e.label}
        for e in entities_of(record.tags or [])
    ]


WRITERS: dict[str, Callable[[list[TokenRecord]], str]] = {
    CONLL: to_conll,
    TOKENS_JSONL: to_tokens_jsonl,
    SPANS_JSONL: to_spans_jsonl,
}


def iter_json_lines(text: str) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(file_lines(text), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError:
                yield number, None
