"""explain / explain_texts: additivity, edge cases, determinism, cache, every task kind."""

from __future__ import annotations

import numpy as np
import pytest

from explain.core import EMPTY_NOTE, explain, explain_texts
from explain.render import render_html, text_summary
from explain.spec import ExplainSpec
from workbench.errors import SpecError

QUICK = ExplainSpec(max_evals=60, use_cache=False)


def test_values_add_up_to_output_minus_base_for_every_explained_label(tiny_classifier):
    [result] = explain_texts(tiny_classifier, ["the movie was great but the ending was slow"], spec=QUICK)
    assert result.values.shape == (len(result.tokens), 3)
    assert result.additivity_gap() < 1e-6
    assert result.output_names[0] == result.prediction  # predicted label first
    assert "".join(result.tokens) == result.text


@pytest.mark.parametrize("kind", ["multilabel", "regression", "pair"])
def test_every_task_kind_is_additive(tiny_model, kind):
    pairs = ["a very good film indeed"] if kind == "pair" else None
    [result] = explain_texts(tiny_model(kind), ["the plot was dull"], pairs, spec=QUICK)
    assert result.additivity_gap() < 1e-6
    assert "Explaining" in text_summary(result) and "http" not in render_html(result)
    if kind == "regression":
        assert result.scale == "value" and result.output_names == ["value"]
        assert text_summary(result).startswith(f"Model tiny-regression predicts {result.prediction:.4g}.")
    if kind == "pair":
        assert result.pair == "a very good film indeed"
        assert any(t.startswith(" [SEP] ") for t in result.tokens)  # both texts are explained


def test_probability_scale_is_additive_in_probabilities(tiny_classifier):
    spec = ExplainSpec(max_evals=60, use_cache=False, scale="probability")
    [result] = explain_texts(tiny_classifier, ["great acting and a dull story"], spec=spec)
    assert result.scale == "probability"
    assert result.outputs[0] == pytest.approx(result.probabilities[result.output_names[0]], abs=1e-6)
    assert result.additivity_gap() < 1e-6


def test_single_token_gets_the_whole_effect(tiny_classifier):
    [result] = explain_texts(tiny_classifier, ["great"], spec=QUICK)
    assert [t.strip() for t in result.tokens] == ["great"]
    np.testing.assert_allclose(result.values[0], result.outputs - result.base_values, atol=1e-6)


def test_empty_text_is_explained_as_nothing_to_explain(tiny_classifier):
    results = explain_texts(tiny_classifier, ["", "   "], spec=QUICK)
    for result in results:
        assert result.tokens == [] and result.values.shape == (0, 3)
        assert EMPTY_NOTE in result.notes
        np.testing.assert_allclose(result.base_values, result.outputs)


def test_text_longer_than_max_length_is_truncated_and_says_so(tiny_classifier):
    [result] = explain_texts(tiny_classifier, ["good " * 100], spec=QUICK)
    assert result.truncated
    assert len(result.tokens) == 62  # 64 minus [CLS] and [SEP]
    assert result.notes[0].startswith(
        "Truncated: the input is 102 tokens but the model reads at most 64; only the first 64 tokens"
    )
    assert result.additivity_gap() < 1e-6


def test_special_characters_and_cjk_are_explained(tiny_classifier):
    text = '日本語のテキスト 🙂 <b>&amp;</b> "quotes" it\'s $5.99!'
    [result] = explain_texts(tiny_classifier, [text], spec=QUICK)
    assert len(result.tokens) > 5 and result.additivity_gap() < 1e-6
    assert "日" in [t.strip() for t in result.tokens]


def test_same_seed_same_values(tiny_classifier):
    text = ["the acting was wooden but the ending made up for it and the music was fine"]
    first = explain_texts(tiny_classifier, text, spec=ExplainSpec(max_evals=40, use_cache=False, seed=7))[0]
    again = explain_texts(tiny_classifier, text, spec=ExplainSpec(max_evals=40, use_cache=False, seed=7))[0]
    np.testing.assert_array_equal(first.values, again.values)


def test_cache_hit_returns_the_same_values(tiny_classifier, isolated_workspace):
    spec = ExplainSpec(max_evals=60)
    first = explain_texts(tiny_classifier, ["a fun and brilliant film"], spec=spec)[0]
    second = explain_texts(tiny_classifier, ["a fun and brilliant film"], spec=spec)[0]
    assert (first.cached, second.cached) == (False, True)
    np.testing.assert_array_equal(first.values, second.values)
    np.testing.assert_array_equal(first.base_values, second.base_values)
    assert list((isolated_workspace / "cache" / "explain").rglob("*.json"))
    other_seed = explain_texts(
        tiny_classifier, ["a fun and brilliant film"], spec=ExplainSpec(max_evals=60, seed=1)
    )
    assert other_seed[0].cached is False  # settings are part of the key


def test_explain_returns_a_shap_explanation_that_shap_plots(tiny_classifier):
    import shap

    values = explain(tiny_classifier, ["a fun film", "the worst plot was boring"], spec=QUICK)
    assert isinstance(values, shap.Explanation)
    assert list(values.output_names) == ["neg", "neu", "pos"]  # model order when all rows agree
    row = values[1]
    assert row.values.shape == (5, 3)
    html = shap.plots.text(row, display=False)
    assert "worst" in html


def test_unknown_label_and_wrong_pairs_are_reported_together(tiny_classifier):
    with pytest.raises(SpecError) as info:
        explain_texts(tiny_classifier, ["x"], ["y"], spec=ExplainSpec(labels=("happy",)))
    assert info.value.problems == [
        "label(s) 'happy' are not outputs of model 'tiny-classification'; its labels are: neg, neu, pos",
        "model 'tiny-classification' takes single texts, not pairs: leave pairs out",
    ]


def test_chosen_labels_are_explained_in_the_given_order(tiny_classifier):
    spec = ExplainSpec(max_evals=40, use_cache=False, labels=("neu", "neg"))
    [result] = explain_texts(tiny_classifier, ["dull"], spec=spec)
    assert result.output_names == ["neu", "neg"]


def test_spec_reports_every_bad_setting():
    with pytest.raises(SpecError, match="mode must be one of fast, precise; got 'slow'") as info:
        ExplainSpec(mode="slow", max_evals=3, scale="odds")
    assert len(info.value.problems) == 3
    assert "max_evals must be at least 10, got 3" in info.value.problems


def test_default_budget_grows_with_length_within_the_modes_floor_and_ceiling():
    spec = ExplainSpec()
    assert spec.budget_for(1) == spec.budget_for(5) == 50  # the floor: the explainer stops when exact
    assert spec.budget_for(10) < spec.budget_for(20) <= spec.budget_for(200) == 400
    assert ExplainSpec(mode="precise").budget_for(25) > spec.budget_for(25)


def test_unknown_and_incompatible_explainers_say_what_to_use(tiny_classifier):
    from explain.core import resolve_model
    from explain.explainers import get_explainer
    from workbench.errors import IncompatibleError

    with pytest.raises(
        SpecError, match=r"^Unknown explainer 'lime'\. Choose one of: partition, permutation\.$"
    ):
        explain_texts(tiny_classifier, ["x"], spec=ExplainSpec(explainer="lime"))
    model = resolve_model(tiny_classifier)
    slow = type("Slow", (), {"is_fast": False})()
    fake = type("Fake", (), {"task": model.task, "tokenizer": slow, "id": "m"})()
    with pytest.raises(IncompatibleError, match=r"fast \(Rust\) tokenizer.*Explainers that can: none"):
        get_explainer("partition", fake)


def test_permutation_explainer_is_additive_too(tiny_classifier):
    spec = ExplainSpec(explainer="permutation", max_evals=60, use_cache=False)
    [result] = explain_texts(tiny_classifier, ["a fun and boring film"], spec=spec)
    assert result.additivity_gap() < 1e-6


def test_import_explain_loads_neither_torch_nor_shap():
    import subprocess
    import sys

    code = "import sys, explain; explain.ExplainSpec; print('torch' in sys.modules, 'shap' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_onnx_backend_gives_the_same_values_as_pytorch(tiny_model):
    pytest.importorskip("onnxruntime")
    model_id = tiny_model("pair")  # token_type_ids matter: the export must keep the input order
    texts, pairs = ["the plot was dull but the music was fine"], ["a great film"]
    by_torch = explain_texts(
        model_id, texts, pairs, spec=ExplainSpec(max_evals=60, use_cache=False, backend="torch")
    )
    by_onnx = explain_texts(
        model_id, texts, pairs, spec=ExplainSpec(max_evals=60, use_cache=False, backend="onnx")
    )
    assert by_onnx[0].settings["backend"] == "onnx"
    np.testing.assert_allclose(by_onnx[0].values, by_torch[0].values, atol=1e-5)
