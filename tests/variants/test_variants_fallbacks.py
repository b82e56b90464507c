"""Optional accelerated paths (ONNX Runtime, torch's int8 kernels) fail with a message, never a traceback."""

from __future__ import annotations

import pytest

from workbench.errors import IncompatibleError, ModelLoadError
from workbench.inference.predict import MODEL_CACHE, load_model
from workbench.variants import build_variant, compatible_variants, is_onnxruntime_available, quantize
from workbench.variants import onnx as onnx_variant


class Fail(Exception):
    """Shaped like onnxruntime's own ``Fail``, which is not a RuntimeError in every release."""


def _failing_session(*args, **kwargs):
    raise Fail("[ONNXRuntimeError] : 1 : FAIL : Load model failed: Type Error\nsecond line")


@pytest.fixture()
def needs_onnxruntime():
    if not is_onnxruntime_available():
        pytest.skip("onnxruntime not installed")


def test_onnx_int8_build_says_why_when_onnx_runtime_cannot_open_the_graph(
    toy_model_id, needs_onnxruntime, monkeypatch
):
    monkeypatch.setattr(onnx_variant, "open_session", _failing_session)
    with pytest.raises(
        IncompatibleError, match=r"^onnx-int8: onnxruntime \S+ could not check, quantize or open"
    ):
        build_variant(toy_model_id, "onnx-int8")


def test_an_onnx_variant_the_installed_runtime_cannot_open_fails_to_load_with_the_fix(
    toy_model_id, needs_onnxruntime, monkeypatch
):
    variant = build_variant(toy_model_id, "onnx-int8").id
    MODEL_CACHE.clear()
    monkeypatch.setattr(onnx_variant, "open_session", _failing_session)
    with pytest.raises(
        ModelLoadError,
        match=rf"'{variant}' is an ONNX variant that the installed onnxruntime \S+ cannot open \(Fail: "
        rf"\[ONNXRuntimeError\] : 1 : FAIL : Load model failed: Type Error\); rebuild it \(workbench "
        rf"compress {toy_model_id} --variant onnx-int8\) or use the int8 variant instead\.",
    ):
        load_model(variant)


def _int8_row(model_id: str) -> dict:
    loaded = load_model(model_id)
    return next(r for r in compatible_variants(loaded.record, loaded.model) if r["name"] == "int8")


def test_int8_is_offered_only_when_torch_has_the_kernels(toy_model_id, monkeypatch):
    assert _int8_row(toy_model_id)["compatible"]
    monkeypatch.setattr(quantize, "missing_int8_support", lambda: "it has no quantized engine")
    row = _int8_row(toy_model_id)
    assert not row["compatible"]
    assert (
        row["reason"]
        == "int8 is not available with this PyTorch build (it has no quantized engine); try onnx-int8."
    )
    with pytest.raises(IncompatibleError, match=r"int8 is not available with this PyTorch build \(it has no"):
        build_variant(toy_model_id, "int8")
