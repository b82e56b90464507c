"""A tiny Marian trained to copy its source, placeholders included: the offline stand-in for a
translation model in the placeholder round-trip tests, the seq2seq explanations and serving.

The copy set holds every English sentence of ``seq2seq_data`` as it is and with one or two numbered
``[n]`` placeholders at different word positions, so the model learns to carry them through;
``held_out_sources`` puts them in sentences training never saw (what the survival benchmark measures).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from seq2seq_data import PLACES, SUBJECTS, VERBS, parallel_pairs

COPY_MODEL = "tiny-copy"


def english() -> list[str]:
    return [source for source, _ in parallel_pairs()]


def with_placeholders(sentence: str, positions: list[int], first: int = 1) -> str:
    words = sentence.split()
    for offset, position in enumerate(sorted(positions, reverse=True)):
        words.insert(min(position, len(words)), f"[{first + len(positions) - 1 - offset}]")
    return " ".join(words)


def copy_sources() -> list[str]:
    """Each sentence plain, with ``[1]`` at every word position, and with ``[1]`` ... ``[2]``."""
    texts = []
    for i, sentence in enumerate(english()):
        n = len(sentence.split())
        texts.append(sentence)
        texts += [with_placeholders(sentence, [position]) for position in range(n + 1)]
        texts.append(with_placeholders(sentence, [i % n, n]))
    return texts


def unseen_sentences() -> list[str]:
    """Sentences of the same words the copy set never holds (other subject/verb/place triples)."""
    seen = set(english())
    return [
        f"{subject} {verb} {place}"
        for subject in SUBJECTS
        for verb in VERBS
        for place in PLACES
        if f"{subject} {verb} {place}" not in seen
    ]


def held_out_sources() -> list[str]:
    """Unseen sentences with one or two placeholders: what the survival benchmark measures."""
    out = []
    for i, sentence in enumerate(unseen_sentences()):
        n = len(sentence.split())
        out.append(with_placeholders(sentence, [i % (n + 1)] if i % 2 else [i % n, n]))
    return out


def write_copy_csv(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sources = copy_sources()
    path = folder / "copy.csv"
    pd.DataFrame({"source": sources, "target": sources}).to_csv(path, index=False)
    return path


def train_copy_model(folder: Path, home: Path, epochs: int = 40) -> str:
    """Build and train the tiny copy Marian into the registry at ``home``; returns its model id."""
    from tiny_models import make_tiny_marian

    from workbench.models.registry import Registry
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    data = write_copy_csv(folder / "data")
    base = make_tiny_marian(folder / "base", copy_sources())
    spec = TrainSpec(
        train_data=str(data), eval_data=str(data), base_model=str(base), task="seq2seq", method="full",
        name=COPY_MODEL, epochs=epochs, batch_size=8, learning_rate=1e-3, warmup_ratio=0.1,
    )  # fmt: skip
    return train(spec, registry=Registry(home)).model_id
