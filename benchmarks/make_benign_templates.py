"""Write ``benchmarks/data/injection_benign_templates_{dev,test}.jsonl``: benign instruction prompts.

Usage::

    pip download promptsource==0.2.3 --no-deps --ignore-requires-python -d /tmp/ps   # an sdist, 228 kB
    python benchmarks/make_benign_templates.py /tmp/ps/promptsource-0.2.3.tar.gz

Why: an instruction around a passage ("Give this text a title: …", "Summarize the article above",
"Given that … does it follow that …? Yes, no, or maybe?") is what most benign traffic to an instruction
model looks like, and it is exactly what an injection looks like to a classifier trained mostly on
attacks and short questions: before this set, the injection classifier flagged four in five of them.
The public test part held only 18 such prompts, which hid it.

What: promptsource 0.2.3 (BigScience, Apache-2.0) is a collection of about 2,000 prompt templates written
by many hands for 179 NLP datasets (138 of them have templates that render with plain passages). Each
template's input side (the text before ``|||``) is rendered with passages that are not from the
template's dataset: sentences of SST-2's train split (GLUE terms, Socher et al. 2013) and customer
messages of Banking77's train split (CC BY 4.0), picked with a fixed seed. Every variable gets a
passage, so a "premise" or a "question" is a sentence too: the prompts read oddly but have the
structure and wording of real instruction prompts, and none of them is an attack.

Split by the template's dataset, not by the text: all templates of one dataset and its subsets (which
share their wording) go to the same part, so the test part holds templates of datasets the classifier
never saw. The sdist is read as a tar file; templates are rendered in Jinja's sandbox; nothing from it is imported.
Deterministic: the same archive and the same shared data give the same files.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import yaml
from jinja2 import ChainableUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks" / "data"
SHARED = ROOT.parent / "shared" / "data"
ARCHIVE = "promptsource-0.2.3.tar.gz"
SOURCE = "promptsource 0.2.3"
FAMILY = "benign_template"
SEED = 20261205
MIN_WORDS = 8


def passages() -> list[str]:
    """Fillers: SST-2 train sentences and Banking77 train messages of at least ``MIN_WORDS`` words."""
    texts = []
    for path in (SHARED / "sst2" / "train.csv", SHARED / "banking77" / "train.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [
                r["text"].strip() for r in csv.DictReader(handle) if len(r["text"].split()) >= MIN_WORDS
            ]
    return texts


class _TemplateLoader(yaml.SafeLoader):
    """promptsource's files tag their mappings ``!Template``; read them as plain mappings."""


for _tag in ("!Template", "!TemplateMetadata"):
    _TemplateLoader.add_constructor(_tag, lambda loader, node: loader.construct_mapping(node, deep=True))


def _filler_types(rng: random.Random, fillers: list[str]):
    """A Jinja ``Undefined`` that renders every unknown variable, attribute or item as a passage."""

    class Filler(ChainableUndefined):
        def __str__(self) -> str:
            return rng.choice(fillers)

        def __iter__(self):
            return iter([rng.choice(fillers), rng.choice(fillers)])

        def __len__(self) -> int:
            return 2

        def __bool__(self) -> bool:
            return True

    return Filler


def templates(tarball: tarfile.TarFile) -> Iterator[tuple[str, dict]]:
    """(dataset folder, template) for every template of every ``templates.yaml`` in the sdist, sorted."""
    members = sorted(
        (m for m in tarball.getmembers() if m.isfile() and m.name.endswith("/templates.yaml")),
        key=lambda m: m.name,
    )
    for member in members:
        dataset = member.name.split("/templates/", 1)[1].rsplit("/", 1)[0]
        handle = tarball.extractfile(member)
        document = yaml.load(handle.read().decode("utf-8"), Loader=_TemplateLoader) if handle else None
        for _, template in sorted(((document or {}).get("templates") or {}).items()):
            yield dataset, template


def render(tarball: tarfile.TarFile, fillers: list[str]) -> list[dict]:
    rng = random.Random(SEED)
    env = SandboxedEnvironment(undefined=_filler_types(rng, fillers))
    records, seen = [], set()
    for dataset, template in templates(tarball):
        choices = template.get("answer_choices")
        answer_choices = [c.strip() for c in choices.split("|||")] if choices else ["yes", "no"]
        try:
            text = env.from_string(template.get("jinja") or "").render(answer_choices=answer_choices)
        except (TemplateError, TypeError, ValueError, IndexError, KeyError, AttributeError):
            continue  # a template needing structured fields a passage cannot stand in for
        text = re.sub(r"\n{3,}", "\n\n", text.split("|||")[0].strip())
        key = " ".join(text.split()).lower()
        if len(text) < 20 or key in seen or "{{" in text or "{%" in text:
            continue
        seen.add(key)
        source = f"{SOURCE} templates/{dataset} {template.get('name')!r}"
        records.append({"text": text, "label": 0, "family": FAMILY, "source": source, "dataset": dataset})
    return records


def split_of(dataset: str) -> str:
    """By the dataset's top folder: ``glue/mnli`` and ``glue/rte`` share wording, so they share a part."""
    top = dataset.split("/", 1)[0]
    return "dev" if hashlib.sha256(top.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def build(archive: Path) -> dict[str, list[dict]]:
    with tarfile.open(archive) as tarball:
        records = render(tarball, passages())
    parts: dict[str, list[dict]] = {"dev": [], "test": []}
    for record in records:
        part_name = split_of(str(record.pop("dataset")))
        part = parts[part_name]
        part.append({"id": f"t{part_name}{len(part) + 1:04d}", **record})
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path, help=f"the promptsource sdist, {ARCHIVE}")
    args = parser.parse_args(argv)
    if args.archive.name != ARCHIVE or not args.archive.is_file():
        print(f"expected the file {ARCHIVE}: download it as the module docstring says")
        return 2
    for name, records in build(args.archive).items():
        path = OUT_DIR / f"injection_benign_templates_{name}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        datasets = len({r["source"].split()[2] for r in records})
        print(
            f"{path.relative_to(ROOT)}: {len(records)} benign prompts from {datasets} dataset folders' templates"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
