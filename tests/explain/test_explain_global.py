"""Global view arithmetic on hand-made explanations (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from explain.global_view import aggregate, global_importance
from explain.result import TextExplanation, word_values


def made(tokens: list[str], pos: list[float], prediction: str = "pos") -> TextExplanation:
    values = np.array([[v, -v] for v in pos])
    return TextExplanation(
        model_id="m", text="".join(tokens), pair=None, tokens=tokens, values=values,
        base_values=np.zeros(2), outputs=values.sum(axis=0), output_names=["pos", "neg"],
        prediction=prediction, probabilities={}, scale="logit",
    )  # fmt: skip


def test_mean_abs_is_over_all_examples_and_punctuation_is_left_out_by_default():
    results = [made(["great ", "film", "."], [0.8, 0.1, 0.3]), made(["dull ", "film", "."], [-0.6, 0.1, 0.3])]
    table = aggregate(results)
    pos = table[table["label"] == "pos"].set_index("word")
    assert pos.loc["great", "mean_abs"] == pytest.approx(0.4)  # 0.8 in one of two examples
    assert pos.loc["film", "count"] == 2 and pos.loc["dull", "mean"] == pytest.approx(-0.3)
    assert "." not in pos.index
    assert "." in set(aggregate(results, words_only=False)["word"])
    assert list(pos.index[:2]) == ["great", "dull"]


def test_predicted_cohort_needs_no_gold_labels():
    results = [made(["great"], [0.8]), made(["dull"], [-0.6], prediction="neg")]
    view = global_importance(results=results, cohort="predicted:neg")
    assert view.examples == 1 and set(view.table["word"]) == {"dull"}


def test_word_values_join_pieces_glued_to_each_other():
    words, values = word_values(["it", "'", "s ", "charm", "ing ", "!"], np.array([1.0, 2, 3, 4, 5, 6]))
    assert words == ["it's", "charming", "!"]
    np.testing.assert_array_equal(values, [6.0, 9.0, 6.0])
