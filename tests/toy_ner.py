"""Toy NER data (people and places in fixed slots) and a tiny token-classification model trained on
it once per session, so review, variant and page tests can use a real NER model in seconds."""

from __future__ import annotations

import random
from pathlib import Path

PEOPLE = ["ada", "bob", "carl", "dora"]
PLACES = ["paris", "berlin", "rome", "oslo"]
FILLER = ["the", "movie", "was", "great", "and", "my", "bank", "card"]
VOCABULARY = " ".join(PEOPLE + PLACES + FILLER + ["went", "to", "with", "love"])


def toy_sentences(n: int, seed: int) -> list[tuple[list[str], list[str]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        person, place = rng.choice(PEOPLE), rng.choice(PLACES)
        words = [*rng.sample(FILLER, 2), person, "went", "to", place, *rng.sample(FILLER, 1)]
        tags = ["O", "O", "B-person", "O", "O", "B-location", "O"]
        out.append((words, tags))
    return out


def write_conll(path: Path, sentences: list[tuple[list[str], list[str]]]) -> Path:
    blocks = ["\n".join(f"{w}\t{t}" for w, t in zip(words, tags, strict=True)) for words, tags in sentences]
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def train_toy_ner(folder: Path, home: Path, epochs: int = 6) -> Path:
    """A 2-layer tiny BERT trained on toy sentences; returns its registry folder under ``home``."""
    from tiny_models import make_tiny_bert

    from workbench.models.registry import Registry
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    base = make_tiny_bert(folder / "base", layers=2, texts=[VOCABULARY])
    data = write_conll(folder / "train.conll", toy_sentences(96, 0))
    spec = TrainSpec(
        train_data=str(data),
        base_model=str(base),
        name="toy-ner",
        epochs=epochs,
        batch_size=16,
        learning_rate=3e-3,
        warmup_ratio=0.0,
        task="token-classification",
    )
    result = train(spec, registry=Registry(home))
    return Registry(home).path(result.model_id)


TEXTS = ["Ada went to Paris.", "Bob met Carl in Rome", "nothing here"]
FOUND = {  # what the fake NER model predicts per text: (start, end, type, score)
    TEXTS[0]: [(0, 3, "person", 0.9), (12, 17, "location", 0.8)],
    TEXTS[1]: [(0, 3, "person", 0.7), (8, 12, "person", 0.6)],
    TEXTS[2]: [],
}


def make_fake_entity_queue(monkeypatch, name: str) -> dict[str, int]:
    """An entity review queue over ``TEXTS`` suggested by a fake NER model (answers from ``FOUND``,
    nothing loaded); returns each text's item id."""
    import pandas as pd

    from workbench.review import create_queue, get_queue_items
    from workbench.review.queue import SUGGESTERS, Suggestions
    from workbench.tasks import Prediction

    def suggest(spec, texts, pairs, progress):
        predictions = []
        for text in texts:
            entities = [
                {"start": s, "end": e, "label": label, "score": score, "text": text[s:e]}
                for s, e, label, score in FOUND[text]
            ]
            score = min((x["score"] for x in entities), default=1.0)
            predictions.append(Prediction(sorted({x["label"] for x in entities}), score, {}, entities))
        return Suggestions(predictions, ["location", "person"], "fake-ner", "entities")

    monkeypatch.setitem(SUGGESTERS, "model", suggest)
    create_queue(name, pd.DataFrame({"text": TEXTS}), text_col="text", model_id="fake-ner")
    items = get_queue_items(name)
    return {text: int(i) for text, i in zip(items["text"], items["item_id"], strict=True)}
