"""Explaining compressed variants: an int8 variant runs on PyTorch (ONNX tried once), and drift vs it."""

from __future__ import annotations

import numpy as np
import pytest
from toy_data import NEGATIVE, POSITIVE, sentiment_frame

from explain import backends
from explain.core import explain_texts
from explain.drift import explanation_drift
from explain.spec import ExplainSpec
from workbench.errors import IncompatibleError
from workbench.inference.predict import MODEL_CACHE

KEYWORDS = set(POSITIVE + NEGATIVE)
TEXTS = sentiment_frame(6, seed=5)["text"].tolist()
SPEC = ExplainSpec(max_evals=80, use_cache=False)


@pytest.fixture()
def int8_variant(toy_model_id) -> str:
    variants = pytest.importorskip("workbench.variants")
    return variants.build_variant(toy_model_id, "int8").id


def test_an_int8_variant_is_explained_on_pytorch_and_still_finds_the_keyword(int8_variant):
    results = explain_texts(int8_variant, TEXTS[:3], spec=SPEC)  # backend auto
    for result in results:
        assert result.settings["backend"] == "torch" and result.additivity_gap() < 1e-6
        view = result.for_label()
        assert view.tokens[int(np.argmax(view.values))] in KEYWORDS
    if backends.is_onnxruntime_available():
        reason = "ONNX Runtime not used (it has dynamically quantized layers (e.g. bert.encoder.layer.0."
        assert any(reason in note for note in results[0].notes), results[0].notes
        with pytest.raises(
            IncompatibleError, match=rf"Cannot run model '{int8_variant}' with ONNX Runtime: "
        ):
            explain_texts(
                int8_variant, TEXTS[:1], spec=ExplainSpec(max_evals=20, use_cache=False, backend="onnx")
            )


def test_a_model_that_cannot_be_exported_is_tried_once_per_version(tiny_classifier, monkeypatch):
    pytest.importorskip("onnxruntime")
    calls = []

    def failing_export(*args):
        calls.append(args)
        return "export failed: RuntimeError: cannot trace this"

    monkeypatch.setattr(backends, "_export", failing_export)
    for _ in range(3):  # three requests, three sessions
        [result] = explain_texts(
            tiny_classifier, ["a fun film"], spec=ExplainSpec(max_evals=20, use_cache=False)
        )
        assert result.settings["backend"] == "torch"
        assert (
            "ONNX Runtime not used (export failed: RuntimeError: cannot trace this); ran PyTorch."
            in result.notes
        )
    assert len(calls) == 1
    loaded = MODEL_CACHE.get(tiny_classifier)
    assert backends.onnx_failure(loaded) == "export failed: RuntimeError: cannot trace this"


def test_drift_between_the_toy_model_and_its_int8_variant(toy_model_id, int8_variant):
    report = explanation_drift(toy_model_id, int8_variant, TEXTS, spec=SPEC)
    assert report.label_agreement == 1.0  # int8 keeps every label of this easy task...
    assert 0.7 < report.mean_rank_correlation <= 1.0  # ...and nearly the same reasons
    assert all(e.rank_correlation <= 1.0 for e in report.examples) and len(report.examples) == 6
    print(f"toy vs int8: mean rank correlation {report.mean_rank_correlation:.3f}")
