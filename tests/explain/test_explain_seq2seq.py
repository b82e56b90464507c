"""SHAP for generated text: each token of a translation explained by the source tokens, through the
same entry points as the other tasks (``explain_texts``, ``explain``, ``workbench explain``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explain.core import explain, explain_texts
from explain.render import render_html
from explain.spec import ExplainSpec
from workbench.cli.main import main
from workbench.errors import SpecError

SOURCE = "the cat sleeps at home"


@pytest.fixture()
def copy_model(copy_model_id):
    from workbench.inference.predict import load_model

    return load_model(copy_model_id)


def test_each_output_token_is_explained_by_the_source_tokens(copy_model):
    [result] = explain_texts(copy_model, [SOURCE])
    assert result.prediction == SOURCE
    assert result.output_names == ["the", "cat", "sleeps", "at", "home"]
    assert [t.strip() for t in result.tokens] == SOURCE.split()
    assert result.values.shape == (5, 5) and result.additivity_gap() < 1e-6
    # a copy model's output word depends most on the same source word, for most words
    own = sum(int(np.argmax(result.values[:, j]) == j) for j in range(5))
    assert own >= 4, result.values
    assert result.settings["generation"] == SOURCE and result.faithfulness is None


def test_explain_returns_the_text_to_text_shap_explanation(copy_model):
    import shap

    values = explain(copy_model, ["the dog runs in the garden"])
    assert isinstance(values, shap.Explanation) and values.shape == (1, 6, 6)
    assert values.output_names == ["the", "dog", "runs", "in", "the#2", "garden"]
    page = shap.plots.text(values[0], display=False)
    assert "garden" in page and "output" in page.lower()


def test_the_heat_map_has_one_view_per_output_token(copy_model):
    [result] = explain_texts(copy_model, [SOURCE])
    page = render_html(result)
    assert page.count('class="wbx-tab"') == 5 and "predicted the cat sleeps at home" in page


def test_a_slow_explanation_says_so(copy_model, monkeypatch):
    monkeypatch.setitem(__import__("explain.spec").spec.SECONDS_TARGETS, "fast", 0.0)
    [result] = explain_texts(copy_model, [SOURCE], spec=ExplainSpec(use_cache=False))
    assert result.settings["slow"] is True
    assert result.notes[0].startswith("Slow: this explanation took ")
    assert "above the fast mode's 0 s target (5 source x 5 output tokens" in result.notes[0]


def test_explanations_are_cached(copy_model):
    first = explain_texts(copy_model, [SOURCE])[0]
    again = explain_texts(copy_model, [SOURCE])[0]
    assert not first.cached and again.cached
    assert np.allclose(first.values, again.values) and again.output_names == first.output_names


def test_labels_and_pairs_are_refused_with_the_fix(copy_model):
    with pytest.raises(
        SpecError, match=r"generates text, so there are no labels to choose: leave labels out"
    ):
        explain_texts(copy_model, [SOURCE], spec=ExplainSpec(labels=("the",)))
    with pytest.raises(SpecError, match=r"translates single texts, not pairs: leave pairs out"):
        explain_texts(copy_model, [SOURCE], ["x"])


def test_cli_explains_a_translation(copy_model_id, tmp_path, capsys):
    page = tmp_path / "explained.html"
    assert main(["explain", copy_model_id, SOURCE, "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert f"Model {copy_model_id} translates: {SOURCE}" in out
    assert '  cat: "cat" +' in out and page.read_text().count('class="wbx-tab"') == 5
    assert main(["explain", copy_model_id, SOURCE, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["prediction"] == SOURCE and data["label"] == "the"
    assert sorted(data["labels"]) == ["at", "cat", "home", "sleeps"] and len(data["values"]) == 5

    import pandas as pd

    pd.DataFrame({"text": [SOURCE, "the dog runs in the garden"]}).to_csv(tmp_path / "in.csv", index=False)
    assert main(["explain", copy_model_id, "--data", str(tmp_path / "in.csv"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["prediction"] for e in data["explanations"]] == [SOURCE, "the dog runs in the garden"]
