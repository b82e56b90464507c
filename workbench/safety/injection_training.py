"""The built-in injection classifier: one recipe, trained with the workbench's own training pipeline.

``workbench safety train-injection`` gathers labelled prompts (the deepset prompt-injection set, the
development part of the public red-team set in ``benchmarks/data/`` and of its benign instruction
templates, or the files the user gives instead),
writes them to one CSV in the workspace and fine-tunes the default model on it as any ``workbench
train`` run (same spec, run folder, queue and registry). The model is saved as
``injection-classifier``, the name the default rule ``injection.classifier`` looks for: from then on
every path that runs the rules (scan, predict, review, Explain, the gateway) also asks the classifier.
After training, ``build_rule_variants`` builds the variant a rule asks of the new model, if one does
(``variant: int8`` in the workspace rule file: about twice as fast, see the README).
"""

from __future__ import annotations

import csv
import random
import string
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.config import workspace_home
from workbench.errors import DataError

INJECTION_MODEL_NAME = "injection-classifier"
_BUILDING = threading.Lock()  # two sessions finishing a training at once build one variant, not two
INJECTION_LABEL = "injection"
BENIGN_LABEL = "benign"
_REPO = Path(__file__).resolve().parents[2]
DEFAULT_SOURCES = (
    _REPO.parent / "shared" / "data" / "prompt_injections" / "train.csv",
    _REPO / "benchmarks" / "data" / "injection_dev.jsonl",  # never the test part: that is for scoring
    # benign instruction prompts (promptsource templates around passages): without them the classifier
    # takes "an instruction around a passage" for an injection
    _REPO / "benchmarks" / "data" / "injection_benign_templates_dev.jsonl",
    # benign role prompts ("I want you to act as a Linux terminal ..."): without them the classifier took
    # three in four of them for a persona jailbreak
    _REPO / "benchmarks" / "data" / "injection_benign_roles_dev.jsonl",
    # everyday German sentences (Common Voice, CC0): without them the deepset set's German, as many
    # attacks as benign questions, taught the classifier that German itself is a sign of an attack
    # (it flagged 89 % of German tweets)
    _REPO / "benchmarks" / "data" / "injection_benign_de_dev.jsonl",
    # posts, comments and tweets (WNUT-17, CC BY 4.0): without them the classifier, which knew only
    # prompts as benign, took half of English tweets for injections
    _REPO / "benchmarks" / "data" / "injection_benign_posts_dev.jsonl",
    # prompt leaks of deepteam (Apache-2.0) and Zhang et al. 2024 (MIT), kept out of the public set's parts:
    # with 36 leaks to learn from, the classifier caught 17 of deepteam's 66 unseen ones; trained on Zhang et
    # al.'s 105 extraction queries, 31 (and 64 of 75 probes against 52)
    _REPO / "benchmarks" / "data" / "injection_leaks_train.jsonl",
    # benign prompts built around the words attacks use (NotInject, MIT): without them the classifier took
    # "ignore", "instructions", "unfiltered" or "COMMAND" for an attack (30 % of them flagged); trained on
    # half of the dev part, 24 -> 1 of the other 84, one of 119 unseen leaks lost
    _REPO / "benchmarks" / "data" / "injection_benign_trigger_dev.jsonl",
)
# The recipe: the training defaults, with texts cut at 128 tokens (jailbreaks run to thousands of
# tokens; their first 128 say what they are) so a CPU trains it in minutes.
RECIPE = {"epochs": 3.0, "max_length": 128, "seed": 42, "val_fraction": 0.1}


# Social-media frames (``social_share``): a classifier that never saw a benign text with @handles takes
# them for a sign of attack (two handles before a Banking77 question: 73 of 304 flagged; German tweets:
# 51 %). Copies of a share of the rows in such a frame, attacks and benign alike, teach it that a frame
# says nothing either way (a frame on benign rows only would teach "a handle means benign", a way past).
SOCIAL_SEED = 0
SOCIAL_SHARE_WHEN_ASKED = 0.25

# Orders behind other text (``behind_share``): a long text is read in windows of 128 tokens that overlap (by
# half for the default rule), so an order hidden in a document reaches the classifier as the middle of a
# window: up to a window of something else before the order's first words. Trained only on texts that start with the order, the
# classifier let one in nine of them through behind 900 characters of customer messages
# (``benchmarks/safety_padding.py``). Copies of a share of the rows behind, and sometimes before, a run of
# benign text teach it that what precedes says nothing either way (attacks and benign alike, as the
# social-media frames). The filler is the training files' WNUT-17 posts: benign text that is neither a
# prompt nor a customer message (the benchmark's filler; the promptsource templates hold some of those).
BEHIND_SEED = 1
BEHIND_SHARE = 0.25
FILLER_SOURCES = (_REPO / "benchmarks" / "data" / "injection_benign_posts_dev.jsonl",)
# characters of filler before the text: about 8 to 90 tokens, so the order's start stays in the 128 tokens
# the classifier is trained on, where a window of a long text puts it
BEHIND_CHARS = (30, 380)
AFTER_CHARS = (30, 300)  # and, for one copy in three, after it too (an order in the middle of a text)


@dataclass(frozen=True)
class InjectionData:
    """The rows gathered for training and where they came from."""

    path: Path
    rows: int
    injections: int
    sources: tuple[str, ...]
    framed: int = 0  # of ``rows``, copies in a social-media frame (``social_share``)
    behind: int = 0  # of ``rows``, copies behind other text (``behind_share``)


def read_labelled_prompts(path: Path) -> list[tuple[str, int]]:
    """(text, 1 for injection / 0 for benign) from a table with ``text`` and ``label`` columns: CSV, TSV,
    JSON, JSON lines or Excel, read by ``read_table`` (so a malformed line, a file in Latin-1, half a
    surrogate pair or a line that is not an object gets its message with the line, never a crash)."""
    from workbench.data.io import read_table, row_numbering

    if not path.is_file():
        raise DataError(f"injection training file {path} not found: check the path")
    frame = read_table(path)
    numbering = row_numbering(frame)
    missing = [f"`{column}`" for column in ("text", "label") if column not in frame.columns]
    if missing:
        columns = ", ".join(f"`{c}`" for c in frame.columns) or "none"
        raise DataError(
            f"{path}: no {' or '.join(missing)} column (columns: {columns}): a labelled prompt file needs "
            "`text` and `label` (1/injection or 0/benign) columns"
        )
    rows, bad = [], []
    for position, (text, value) in enumerate(zip(frame["text"], frame["label"], strict=True)):
        text, label = str(text or ""), str(value or "").strip().lower()
        if not text.strip() and not label:
            continue  # a blank line or an empty row
        if label in ("1", "injection", "true"):
            rows.append((text, 1))
        elif label in ("0", "benign", "false"):
            rows.append((text, 0))
        else:
            bad.append((numbering.number(position), value))
    unit = numbering.unit
    if not rows and not bad:
        raise DataError(f"{path}: no {unit} has a `text` and a `label` of 1/injection or 0/benign")
    if bad:
        where = f"{unit}s {', '.join(str(n) for n, _ in bad[:10])}"
        raise DataError(
            f"{path}: {where} need a `text` column and a `label` of 1/injection or 0/benign",
            [
                f"{path.name}, {unit} {n}: label {value!r} is not 1/0/injection/benign: fix it or drop "
                f"the {unit}"
                for n, value in bad[:50]
            ],
        )
    return rows


def default_sources() -> list[Path]:
    """The ``DEFAULT_SOURCES`` present on this machine (the deepset set lives outside the repository)."""
    return [p for p in DEFAULT_SOURCES if p.is_file()]


def _check_share(kind: str, share: float) -> None:
    if not 0.0 <= share <= 1.0:
        raise DataError(f"{kind} share {share} is not between 0 and 1: use e.g. 0.25 (a quarter)")


def _handle(rng: random.Random) -> str:
    name = "".join(
        rng.choice(string.ascii_lowercase + string.digits + "_") for _ in range(rng.randint(4, 12))
    )
    return "@" + (name.capitalize() if rng.random() < 0.5 else name)


def _tag(rng: random.Random) -> str:
    name = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 12)))
    return "#" + (name.capitalize() if rng.random() < 0.5 else name)


def social_frames(
    rows: Sequence[tuple[str, str]], share: float, seed: int = SOCIAL_SEED
) -> list[tuple[str, str]]:
    """Copies of about ``share`` of ``rows`` (seeded), each in a social-media frame: one to three made-up
    @handles before the text (four in five), one or two #tags after it (two in five), labels kept."""
    _check_share("social-media", share)
    rng = random.Random(seed)
    framed = []
    for text, label in rows:
        if rng.random() >= share:
            continue
        before = " ".join(_handle(rng) for _ in range(rng.choice((1, 1, 2, 3)))) if rng.random() < 0.8 else ""
        after = " ".join(_tag(rng) for _ in range(rng.choice((1, 2)))) if rng.random() < 0.4 else ""
        if not (before or after):
            before = _handle(rng)
        framed.append((" ".join(part for part in (before, text, after) if part), label))
    return framed


def filler_texts(rows: Sequence[tuple[str, str]] = ()) -> list[str]:
    """Benign text to hide orders behind: the ``FILLER_SOURCES`` present (without web links, which read
    as noise), else the benign texts of ``rows``."""
    texts = [
        text
        for path in FILLER_SOURCES
        if path.is_file()
        for text, label in read_labelled_prompts(path)
        if not label and "http" not in text
    ]
    return texts or [text for text, label in rows if label == BENIGN_LABEL]


def behind_text(
    rows: Sequence[tuple[str, str]], share: float, filler: Sequence[str], seed: int = BEHIND_SEED
) -> list[tuple[str, str]]:
    """Copies of about ``share`` of ``rows`` (seeded) behind a run of ``filler`` text cut at word bounds
    (``BEHIND_CHARS`` long, from a random place), one in three with another run after them, labels kept."""
    _check_share("behind-text", share)
    words = " ".join(filler).split()
    if share == 0.0 or not words:
        return []
    rng = random.Random(seed)

    def run(low: int, high: int) -> str:
        chars, start = rng.randint(low, high), rng.randrange(len(words))
        taken: list[str] = []
        length = 0
        while length < chars and len(taken) < len(words):
            taken.append(words[(start + len(taken)) % len(words)])
            length += len(taken[-1]) + 1
        return " ".join(taken)

    copies = []
    for text, label in rows:
        if rng.random() >= share:
            continue
        after = run(*AFTER_CHARS) if rng.random() < 1 / 3 else ""
        copies.append((" ".join(part for part in (run(*BEHIND_CHARS), text, after) if part), label))
    return copies


def gather_training_data(
    sources: Sequence[Path] | None = None,
    out_dir: Path | None = None,
    *,
    social_share: float = 0.0,
    behind_share: float | None = None,
) -> InjectionData:
    """One CSV (``text,label`` with labels ``injection``/``benign``) of every source, de-duplicated, in a
    folder of its own (default: a new one under the workspace's ``safety/injection-data``), so trainings
    started side by side (two sessions, a queued run) never read each other's data. ``social_share``
    adds copies of that share of the rows in a social-media frame (``social_frames``, which checks it),
    ``behind_share`` (default ``BEHIND_SHARE``) copies behind other text (``behind_text``)."""
    chosen = default_sources() if sources is None else [Path(p) for p in sources]
    if not chosen:
        raise DataError(
            "no injection training data found: give files with --data (CSV or JSONL with text,label), "
            f"e.g. the deepset prompt-injection set (expected at {DEFAULT_SOURCES[0]})"
        )
    seen: set[str] = set()
    rows = []
    for path in chosen:
        for text, label in read_labelled_prompts(path):
            key = " ".join(text.split()).lower()
            if key and key not in seen:
                seen.add(key)
                rows.append((text, INJECTION_LABEL if label else BENIGN_LABEL))
    framed = social_frames(rows, social_share)
    share = BEHIND_SHARE if behind_share is None else behind_share
    behind = behind_text(rows, share, filler_texts(rows)) if share else []
    rows += framed + behind
    out_dir = out_dir or workspace_home() / "safety" / "injection-data" / uuid.uuid4().hex[:12]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "injection_training.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    injections = sum(1 for _, label in rows if label == INJECTION_LABEL)
    return InjectionData(path, len(rows), injections, tuple(str(p) for p in chosen), len(framed), len(behind))


def injection_train_spec(data: InjectionData, *, name: str = INJECTION_MODEL_NAME, **overrides: object):
    """The ``TrainSpec`` of the recipe (any field can be overridden, e.g. ``epochs`` or ``max_minutes``)."""
    from workbench.training.spec import TrainSpec

    values = {**RECIPE, **{k: v for k, v in overrides.items() if v is not None}}
    return TrainSpec(train_data=str(data.path), text_col="text", label_col="label", name=name, **values)


def build_rule_variants(model_id: str, rules: object | None = None) -> list:
    """The variants the safety rules (default: the active ones) ask of model ``model_id``: each enabled
    model-backed rule whose model resolves to it and that names a ``variant`` (``injection.classifier``
    with ``variant: int8``), built when missing (int8 of the default model: about 15 s). Returns their
    ``ModelRecord``s; a variant that cannot be built raises (the training stands)."""
    from workbench.models.registry import Registry
    from workbench.safety import active_rules
    from workbench.safety.detectors.model import models_rules_ask
    from workbench.variants import build_variant

    rules = rules if rules is not None else active_rules()
    built: dict[str, object] = {}
    new: dict[str, object] = {}  # recipe -> variant built here (two rules may name the same one)
    with _BUILDING:
        registry = Registry()
        for rule, trained, asked in models_rules_ask(rules, registry):
            spec = rule.params.get("variant")
            if trained.id != model_id or not spec:
                continue
            if asked.id == trained.id:  # not built when the rules were resolved
                asked = new[spec] = new.get(spec) or build_variant(model_id, spec)
            built.setdefault(asked.id, asked)
    return list(built.values())
