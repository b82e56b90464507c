"""A small parallel set (English -> German) that tiny seq2seq models can learn by heart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SUBJECTS = {
    "the cat": "die katze",
    "the dog": "der hund",
    "a bird": "ein vogel",
    "my friend": "mein freund",
    "the teacher": "der lehrer",
    "our neighbour": "unser nachbar",
}
VERBS = {"sleeps": "schläft", "runs": "rennt", "eats": "isst", "sings": "singt"}
PLACES = {"at home": "zu hause", "in the garden": "im garten", "by the river": "am fluss"}


def parallel_pairs() -> list[tuple[str, str]]:
    places = list(PLACES.items())
    pairs = []
    for i, (subject, subject_de) in enumerate(SUBJECTS.items()):
        for j, (verb, verb_de) in enumerate(VERBS.items()):
            place, place_de = places[(i + j) % len(places)]
            pairs.append((f"{subject} {verb} {place}", f"{subject_de} {verb_de} {place_de}"))
    return pairs


def all_texts() -> list[str]:
    return [text for pair in parallel_pairs() for text in pair]


def write_parallel_csv(folder: Path, name: str = "pairs.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pd.DataFrame(parallel_pairs(), columns=["source", "target"]).to_csv(path, index=False)
    return path
