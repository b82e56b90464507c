"""On a tiny model trained on the planted-keyword task, explanations must find the keyword."""

from __future__ import annotations

import numpy as np
import pytest
from toy_data import NEGATIVE, POSITIVE, sentiment_frame

from explain.core import explain_texts
from explain.drift import explanation_drift
from explain.faithfulness import faithfulness
from explain.global_view import global_importance
from explain.render import text_summary
from explain.spec import ExplainSpec
from workbench.errors import SpecError

KEYWORDS = set(POSITIVE + NEGATIVE)
TEXTS = sentiment_frame(6, seed=5)["text"].tolist()  # unseen sentences: 4 fillers + 1 planted keyword


@pytest.fixture()
def toy_results(toy_model_id):
    return explain_texts(toy_model_id, TEXTS, spec=ExplainSpec(use_cache=False))


def test_the_planted_keyword_gets_the_largest_attribution(toy_results):
    for result in toy_results:
        [keyword] = [w for w in result.text.split() if w in KEYWORDS]
        view = result.for_label()  # the predicted label
        assert view.tokens[int(np.argmax(view.values))] == keyword, text_summary(result)
        assert result.prediction == ("pos" if keyword in POSITIVE else "neg")


def test_hiding_the_top_tokens_hurts_more_than_random_ones(toy_results):
    summary = faithfulness(toy_results)
    assert summary.texts == 6
    assert summary.mean_top_drop > summary.mean_random_drop, summary
    assert summary.share_better_than_random >= 5 / 6, summary


def test_global_view_ranks_keywords_first_for_their_label(toy_results):
    view = global_importance(results=toy_results)
    assert view.top("pos", 1)["word"][0] in KEYWORDS
    gold = sentiment_frame(6, seed=5)["label"].tolist()
    errors_only = global_importance(results=toy_results, gold=gold, cohort="errors")
    assert errors_only.examples == 0 and errors_only.table.empty
    assert global_importance(results=toy_results, gold=gold, cohort="label:pos").examples == 3
    fig = view.figure("pos", k=5)
    assert fig.axes[0].get_title() == "Top words for pos (6 examples, cohort: all)"


def test_cohorts_that_need_gold_labels_say_so(toy_results):
    with pytest.raises(SpecError, match=r"The cohort 'errors' needs the gold labels \(CLI: --label-col\)\."):
        global_importance(results=toy_results, cohort="errors")
    with pytest.raises(SpecError, match="Unknown cohort 'wrong'"):
        global_importance(results=toy_results, cohort="wrong")


def test_drift_of_a_model_against_itself_is_one(toy_model_id):
    report = explanation_drift(toy_model_id, toy_model_id, TEXTS[:3], spec=ExplainSpec(max_evals=80))
    assert report.mean_rank_correlation == pytest.approx(1.0)
    assert [e.rank_correlation for e in report.examples] == pytest.approx([1.0, 1.0, 1.0])
    assert report.label_agreement == 1.0 and report.kept_label_changed_why() == []
