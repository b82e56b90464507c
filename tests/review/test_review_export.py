"""Exports: a CSV a spreadsheet cannot run, and training data that keeps the exact texts."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench.data import read_table
from workbench.errors import DataError
from workbench.review import (
    create_queue,
    export_corrections,
    record_decision,
    skip_item,
    to_training_frame,
    training_spec,
    write_training_data,
)
from workbench.review.queue import SUGGESTERS, Suggestions
from workbench.tasks import Prediction

TEXTS = ['=HYPERLINK("http://evil","x")', "-2+3", "@SUM(A1)", 'plain, with "quotes"\nand a newline', "-3.5"]


@pytest.fixture()
def queue(monkeypatch) -> str:
    def suggest(spec, texts, pairs, progress):
        return Suggestions(
            [Prediction("pos", 0.8, {"pos": 0.8, "neg": 0.2}) for _ in texts], ["pos", "neg"], "=fake"
        )

    monkeypatch.setitem(SUGGESTERS, "zero-shot", suggest)
    create_queue("q", pd.DataFrame({"text": TEXTS}), text_col="text", labels=["pos", "neg"])
    for item_id, label in [(1, "neg"), (2, "pos"), (3, "neg"), (4, "pos")]:
        record_decision("q", item_id, label, reviewer="=cmd|' /C calc'!A0")
    skip_item("q", 5, reviewer="ana")
    return "q"


def test_export_is_formula_safe_in_file_order(queue, tmp_path):
    path = export_corrections(queue, tmp_path / "out.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert raw.columns.tolist() == [
        "row", "text", "label", "status", "suggested_label", "suggested_score", "suggested_by", "reviewer", "reviewed_at",
    ]  # fmt: skip
    assert raw["row"].tolist() == ["2", "3", "4", "5"]  # skipped item 5 is not exported
    assert raw["text"].tolist() == [
        '\'=HYPERLINK("http://evil","x")',
        "'-2+3",
        "'@SUM(A1)",
        'plain, with "quotes"\nand a newline',
    ]
    assert raw["label"].tolist() == ["neg", "pos", "neg", "pos"]
    assert raw["status"].tolist() == ["corrected", "accepted", "corrected", "accepted"]
    assert set(raw["suggested_by"]) == {"'=fake"}
    assert set(raw["reviewer"]) == {"'=cmd|' /C calc'!A0"}


def test_training_data_keeps_exact_texts(queue):
    frame = to_training_frame(queue)
    assert frame.to_dict("records") == [
        {"text": TEXTS[0], "label": "neg"},
        {"text": TEXTS[1], "label": "pos"},
        {"text": TEXTS[2], "label": "neg"},
        {"text": TEXTS[3], "label": "pos"},
    ]
    path = write_training_data(queue)
    assert path.name == "training.jsonl"
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[0]) == {"text": TEXTS[0], "label": "neg"}
    assert read_table(path)["text"].tolist() == TEXTS[:4]


def test_fine_tune_again_spec(queue):
    spec = training_spec(queue, epochs=1.0, text_col="body", train_data="old.csv", task="auto")
    assert (spec.base_model, spec.name, spec.epochs, spec.text_col, spec.label_col, spec.task) == (
        "default",
        "q-reviewed",
        1.0,
        "text",
        "label",
        "classification",
    )
    assert read_table(spec.train_data)["label"].tolist() == ["neg", "pos", "neg", "pos"]


def test_training_needs_two_labels(monkeypatch):
    def suggest(spec, texts, pairs, progress):
        return Suggestions(
            [Prediction("pos", 0.8, {"pos": 0.8, "neg": 0.2}) for _ in texts], ["pos", "neg"], "f"
        )

    monkeypatch.setitem(SUGGESTERS, "zero-shot", suggest)
    create_queue("one", pd.DataFrame({"text": ["a", "b"]}), text_col="text", labels=["pos", "neg"])
    record_decision("one", 1, "pos", reviewer="ana")
    with pytest.raises(
        DataError,
        match=r"^Queue 'one' has 1 reviewed item\(s\) with 1 label\(s\) \(only 'pos'\); fine-tuning needs reviewed examples of at least 2 labels\. Review more items first\.$",
    ):
        to_training_frame("one")
