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


@pytest.mark.parametrize("variant", ["fp16", "bf16"])
@pytest.mark.parametrize("compute", ["half", "float32"])
def test_half_precision_variants_are_explained_in_the_precision_they_compute_in(
    tiny_classifier, variant, compute
):
    """ONNX Runtime refuses the mixed fp16/fp32 graph an fp16 model exports to (issue: main red on a
    fresh machine): half-precision compute runs on PyTorch with a note, fp32 compute may use ONNX."""
    variants = pytest.importorskip("workbench.variants")
    from workbench.variants.spec import parse_variant_spec

    model_id = variants.build_variant(
        tiny_classifier, parse_variant_spec(variant, compute=compute), name=f"tiny-{variant}-{compute}"
    ).id
    [result] = explain_texts(model_id, ["a fun film"], spec=ExplainSpec(max_evals=40, use_cache=False))
    assert result.additivity_gap() < 1e-3 and np.isfinite(result.values).all()
    dtype = {"fp16": "float16", "bf16": "bfloat16"}[variant]
    if compute == "half":
        assert result.settings["backend"] == "torch"
        note = f"ONNX Runtime not used (it computes in {dtype}; ONNX Runtime gets fp32 graphs only"
        if backends.is_onnxruntime_available():
            assert any(note in n for n in result.notes), result.notes
    elif backends.is_onnxruntime_available():
        assert result.settings["backend"] == "onnx"  # upcast on load: an ordinary fp32 graph


def test_any_onnx_runtime_failure_falls_back_to_pytorch(tiny_classifier, monkeypatch):
    """onnxruntime's own exception types are not RuntimeErrors in every release; none may escape."""
    pytest.importorskip("onnxruntime")

    class Fail(Exception):  # the shape of onnxruntime.capi.onnxruntime_pybind11_state.Fail
        pass

    def failing_open(path):
        raise Fail("[ONNXRuntimeError] : 1 : FAIL : Load model failed: Type Error: bound to different types")

    monkeypatch.setattr(backends, "_open", failing_open)
    [result] = explain_texts(tiny_classifier, ["a fun film"], spec=ExplainSpec(max_evals=20, use_cache=False))
    assert result.settings["backend"] == "torch"
    assert (
        "ONNX Runtime not used (ONNX Runtime could not run the exported graph: Fail: [ONNXRuntimeError] : 1 "
        ": FAIL : Load model failed: Type Error: bound to different types); ran PyTorch." in result.notes
    )
    with pytest.raises(
        IncompatibleError, match=r"with ONNX Runtime: ONNX Runtime could not run the exported"
    ):
        explain_texts(
            tiny_classifier, ["a fun film"], spec=ExplainSpec(max_evals=20, use_cache=False, backend="onnx")
        )
