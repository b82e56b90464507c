"""The translation service behind the Translate page: sources checked with every problem named, models
that do not generate text refused, variants found through the lineage."""

from __future__ import annotations

import pytest

from workbench.errors import DataError, IncompatibleError
from workbench.inference.translation import check_sources, translation_record, variants_of
from workbench.models.registry import ModelRecord, Registry


def _record(model_id: str, task: str, parent: str | None = None) -> str:
    registry = Registry()
    record = ModelRecord(id=model_id, name=model_id, task=task, labels=[], base_model="x", parent=parent)
    return registry.publish(registry.staging_dir(), record).id


def test_every_problem_of_a_batch_is_named_with_its_row_numbers():
    texts = ["fine", "", "x" * 2001, "  ", "y" * 2500]
    with pytest.raises(DataError) as caught:
        check_sources(texts)
    assert caught.value.problems == [
        "Text(s) 2, 4 are empty: remove those rows or give each a source text.",
        "Text(s) 3, 5 are longer than 2,000 characters (longest 2,500): split them into sentences or paragraphs.",
    ]


def test_no_text_and_too_many_texts():
    with pytest.raises(DataError, match=r"^No source text: type a text to translate"):
        check_sources(["   "])
    with pytest.raises(DataError, match=r"^201 texts is more than the 200 translated here at once"):
        check_sources(["a"] * 201)


def test_a_classification_model_cannot_translate():
    _record("toy", "classification")
    with pytest.raises(
        IncompatibleError,
        match=r"^Model 'toy' is a classification model: it predicts labels and cannot translate",
    ):
        translation_record("toy")


def test_variants_are_found_through_stacked_lineage():
    base = _record("m", "seq2seq")
    child = _record("m-int8", "seq2seq", parent=base)
    grandchild = _record("m-int8-fp16", "seq2seq", parent=child)
    _record("other", "seq2seq")
    assert variants_of(base) == [child, grandchild]
