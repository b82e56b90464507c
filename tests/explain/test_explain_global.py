"""Global view arithmetic on hand-made explanations (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from explain.global_view import aggregate, cohort_choices, global_importance, select_cohort
from explain.result import TextExplanation, word_values
from workbench.errors import SpecError


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


def multilabel(prediction: list[str]) -> TextExplanation:
    result = made(["great"], [0.8])
    result.prediction = prediction
    return result


def test_multilabel_gold_matches_the_prediction_as_a_set_whatever_its_order_or_spacing():
    results = [multilabel(["a", "b"]), multilabel(["a"]), multilabel([])]
    gold = ["b | a", "a|c", ""]
    assert global_importance(results=results, gold=gold, cohort="correct").examples == 2
    errors = select_cohort(results, gold, "errors")
    assert errors == [results[1]]
    assert select_cohort(results, gold, "label:c") == [results[1]]  # one label of a set
    assert select_cohort(results, None, "predicted:b") == [results[0]]


def test_errors_and_correct_refuse_regression_with_a_clear_message():
    result = made(["great"], [0.8])
    result.prediction, result.scale, result.output_names = 3.7, "value", ["value"]
    result.values, result.base_values = result.values[:, :1], result.base_values[:1]
    for cohort in ("errors", "correct"):
        with pytest.raises(
            SpecError,
            match=rf"The cohort '{cohort}' needs labels that are right or wrong, but model 'm' predicts a "
            r"number \(regression\)\. Use the cohort 'all'\.",
        ):
            global_importance(results=[result], gold=["3.7"], cohort=cohort)
    assert global_importance(results=[result], gold=["3.7"], cohort="all").examples == 1


def test_single_label_gold_is_compared_after_stripping_spaces():
    results = [made(["great"], [0.8]), made(["dull"], [-0.6], prediction="neg")]
    assert select_cohort(results, [" pos", "pos"], "errors") == [results[1]]


def test_cohort_choices_follow_the_task_and_whether_there_are_gold_labels():
    assert cohort_choices(["neg", "pos"], "classification", has_gold=True) == [
        "all", "errors", "correct", "label:neg", "label:pos", "predicted:neg", "predicted:pos",
    ]  # fmt: skip
    assert cohort_choices(["neg", "pos"], "multilabel", has_gold=False) == [
        "all",
        "predicted:neg",
        "predicted:pos",
    ]
    assert cohort_choices([], "regression", has_gold=True) == ["all"]
