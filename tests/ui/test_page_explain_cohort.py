"""The Explain page's global view: a cohort filter over the session dataset's gold labels."""

from __future__ import annotations

import pytest
from ui_helpers import chart_specs, open_page, texts


def test_global_view_aggregates_only_the_chosen_cohort(toy_model_id, tmp_path):
    from toy_data import write_sentiment_csv

    from workbench.data import ColumnMap
    from workbench.ui.session import DatasetChoice

    path = write_sentiment_csv(tmp_path, n=20, seed=5)  # labels alternate pos, neg
    chosen = DatasetChoice(path=str(path), name="toy", columns=ColumnMap(text="text", label="label"))
    at = open_page("pages/explain.py", active_model=toy_model_id, dataset=chosen)
    cohort = at.selectbox(key="explain.cohort")
    assert cohort.options == [
        "all", "errors", "correct", "label:neg", "label:pos", "predicted:neg", "predicted:pos",
    ]  # fmt: skip
    at.slider(key="explain.rows").set_value(10).run()
    cohort.set_value("label:pos").run()
    at.button(key="explain.global").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "5 of 10 rows in the cohort 'label:pos'." in texts(at.caption)
    assert "Top words for pos" in " ".join(chart_specs(at))


def test_without_gold_labels_only_prediction_cohorts_are_offered(toy_model_id):
    pytest.importorskip("explain.global_view")
    at = open_page("pages/explain.py", active_model=toy_model_id)  # the sample unlabelled messages
    assert at.selectbox(key="explain.cohort").options == ["all", "predicted:neg", "predicted:pos"]
    assert any("No gold labels in this data" in t for t in texts(at.caption))
