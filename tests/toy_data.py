"""Toy datasets with a planted, separable signal so tiny random models can learn them in seconds."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

POSITIVE = ["great", "wonderful", "excellent", "amazing", "brilliant"]
NEGATIVE = ["terrible", "awful", "boring", "worst", "dull"]
FILLER = ["the", "movie", "film", "plot", "acting", "was", "really", "quite", "story", "music", "and", "it"]


def sentiment_frame(n: int = 160, seed: int = 0) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = "pos" if i % 2 == 0 else "neg"
        words = [*rng.sample(FILLER, 4), rng.choice(POSITIVE if label == "pos" else NEGATIVE)]
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "label": label})
    return pd.DataFrame(rows)


def write_sentiment_csv(folder: Path, n: int = 160, seed: int = 0, name: str = "toy.csv") -> Path:
    path = folder / name
    sentiment_frame(n, seed).to_csv(path, index=False)
    return path
