"""Write ``benchmarks/data/injection_benign_roles_{dev,test}.jsonl``: benign role prompts ("act as ...").

Usage::

    curl -L -o /tmp/prompts.csv \\
        https://raw.githubusercontent.com/f/awesome-chatgpt-prompts/de63d2b7b45f8e82f81a3b25251fad1dfba60b8f/prompts.csv
    python benchmarks/make_role_prompts.py /tmp/prompts.csv

Why: a persona set-up ("From now on you are going to act as DAN ...") is one of the attack families the
injection patterns target, and "I want you to act as a Linux terminal. ... Do not write explanations"
is the most common *benign* prompt of the same shape: people paste such prompts every day. Neither the
public set nor the promptsource templates held one, so no false alarm on them was ever measured.

What: the first ``ROWS`` rows of ``prompts.csv`` of **awesome-chatgpt-prompts** (f/awesome-chatgpt-prompts,
prompts.chat; CC0-1.0), at the commit above: role prompts written by many contributors. Kept: rows of
type ``TEXT``; ``${Name:default}`` placeholders filled with their default, as prompts.chat fills them.
Left out, by a rule fixed before the rows were read: a row whose title or prompt names a jailbreak
(``DAN``, "jailbreak", "unrestricted", "unfiltered", "uncensored", "no restrictions", "developer
mode"): those are attacks, not benign prompts. Split by a hash of the title (the role): even first
byte of its SHA-256 to the dev part, odd to the test part. The CSV may be cut short (only its first
rows are needed): an incomplete last row is dropped. Deterministic: the same file gives the same parts.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "data"
COMMIT = "de63d2b7b45f8e82f81a3b25251fad1dfba60b8f"
SOURCE = f"f/awesome-chatgpt-prompts prompts.csv@{COMMIT[:7]}"
FAMILY = "benign_role"
ROWS = 180
COLUMNS = ("act", "prompt", "for_devs", "type", "contributor")
_JAILBREAK = re.compile(
    r"\b(?:dan|jailbreak\w*|unrestricted|unfiltered|uncensored|no\s+restrictions|developer\s+mode)\b", re.I
)
_PLACEHOLDER = re.compile(r"\$\{([^}:]+)(?::([^}]*))?\}")


def rows(text: str) -> list[dict[str, str]]:
    """The complete rows of the CSV text. A file copied in part ends mid-row: it is read up to its last line
    break, where a row cut inside its quoted prompt parses short and is dropped."""
    if not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(header[: len(COLUMNS)]) != COLUMNS:
        raise ValueError(f"not the expected prompts.csv: header {header!r}, expected {COLUMNS}")
    return [dict(zip(COLUMNS, row, strict=False)) for row in reader if len(row) >= len(COLUMNS)]


def fill(prompt: str) -> str:
    """``${Position:Software Developer}`` -> ``Software Developer``; ``${Topic}`` -> ``Topic``."""
    return _PLACEHOLDER.sub(lambda m: (m.group(2) if m.group(2) is not None else m.group(1)).strip(), prompt)


def split_of(act: str) -> str:
    return "dev" if hashlib.sha256(act.strip().encode("utf-8")).digest()[0] % 2 == 0 else "test"


def build(text: str) -> tuple[dict[str, list[dict]], list[str]]:
    parts: dict[str, list[dict]] = {"dev": [], "test": []}
    left_out, seen = [], set()
    every = rows(text)
    if len(every) < ROWS:
        raise ValueError(f"{len(every)} complete rows read, {ROWS} needed: is the file cut short?")
    for row in every[:ROWS]:
        act, prompt = row["act"].strip(), fill(row["prompt"]).strip()
        if row["type"].strip().upper() != "TEXT" or not prompt:
            continue
        if _JAILBREAK.search(act) or _JAILBREAK.search(prompt):
            left_out.append(act)
            continue
        key = " ".join(prompt.split()).lower()
        if key in seen:
            continue
        seen.add(key)
        name = split_of(act)
        part = parts[name]
        source = f"{SOURCE} {act!r}"
        part.append(
            {
                "id": f"r{name}{len(part) + 1:04d}",
                "text": prompt,
                "label": 0,
                "family": FAMILY,
                "source": source,
            }
        )
    return parts, left_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="awesome-chatgpt-prompts' prompts.csv at the commit above")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"{args.csv} not found: download it as the module docstring says")
        return 2
    try:
        parts, left_out = build(args.csv.read_text(encoding="utf-8"))
    except ValueError as error:
        print(error)
        return 2
    for name, records in parts.items():
        path = OUT_DIR / f"injection_benign_roles_{name}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"{path.relative_to(ROOT)}: {len(records)} role prompts")
    print(f"left out as jailbreaks: {', '.join(left_out) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
