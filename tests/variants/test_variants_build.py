"""Every variant builds from the toy model, predicts, saves without pickles and reloads identically."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from toy_data import sentiment_frame

from workbench.errors import IncompatibleError, SpecError
from workbench.inference.predict import MODEL_CACHE, load_model
from workbench.models.registry import Registry
from workbench.variants import (
    build_variant,
    compatible_variants,
    is_onnxruntime_available,
    parse_variant_spec,
)

PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".pkl", ".ckpt"}
SAME_PREDICTIONS = {"int8", "fp16", "bf16", "onnx-int8"}
TEXTS = sentiment_frame(24, seed=7)["text"].tolist()


def _config(record_id: str) -> dict:
    return json.loads((Registry().path(record_id) / "config.json").read_text())


def _weights_bytes(record_id: str) -> int:
    folder = Registry().path(record_id)
    return sum(p.stat().st_size for p in folder.iterdir() if p.suffix in {".safetensors", ".onnx"})


VARIANT_CHECKS = {
    "int8": lambda r, parent: (
        r.recipe["loader"] == "int8-dynamic" and _weights_bytes(r.id) < _weights_bytes(parent)
    ),
    "drop-layers:2": lambda r, parent: (
        _config(r.id)["num_hidden_layers"] == 2 and r.recipe["kept_layers"] == [1, 3]
    ),
    "prune:0.5": lambda r, parent: r.recipe["sparsity"] >= 0.5 and "no speed-up" in r.recipe["note"],
    "prune-ffn:0.5": lambda r, parent: _config(r.id)["intermediate_size"] == 32,
    "fp16": lambda r, parent: (
        r.recipe["compute_choice"] == "auto" and _weights_bytes(r.id) < 0.6 * _weights_bytes(parent)
    ),
    "bf16": lambda r, parent: (
        r.recipe["storage_dtype"] == "bfloat16" and _config(r.id)["dtype"] == "bfloat16"
    ),
    "onnx-int8": lambda r, parent: (Registry().path(r.id) / "model.int8.onnx").is_file(),
}


@pytest.mark.parametrize("variant", list(VARIANT_CHECKS))
def test_variant_builds_predicts_and_reloads_identically(toy_model_id, variant):
    if variant == "onnx-int8" and not is_onnxruntime_available():
        pytest.skip("onnxruntime not installed")
    record = build_variant(toy_model_id, variant)
    assert (record.kind, record.parent, record.recipe["step"]) == ("variant", toy_model_id, variant)
    assert record.recipe["reload_check"]["max_abs_logit_diff"] <= 1e-5
    assert VARIANT_CHECKS[variant](record, toy_model_id)
    folder = Registry().path(record.id)
    assert not [p.name for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES]

    first = load_model(record.id).logits(TEXTS)
    if variant in SAME_PREDICTIONS:  # compression that must not change what the model says
        parent = load_model(toy_model_id).logits(TEXTS)
        assert (first.argmax(axis=1) == parent.argmax(axis=1)).all()
        np.testing.assert_allclose(first, parent, atol=0.15)
    MODEL_CACHE.clear()
    again = load_model(record.id)
    np.testing.assert_array_equal(again.logits(TEXTS), first)
    predictions = again.predict(TEXTS)
    assert {p.label for p in predictions} <= {"neg", "pos"}


def test_onnx_int8_keeps_weights_to_7_bits_so_every_x86_cpu_gives_the_same_answers(toy_model_id):
    """8-bit signed weights saturate ONNX Runtime's int16 sums on CPUs without VNNI (AVX2), so the
    same graph answered differently on CI than on the VNNI machine that built it."""
    if not is_onnxruntime_available():
        pytest.skip("onnxruntime not installed")
    import onnx
    from onnx import numpy_helper

    record = build_variant(toy_model_id, "onnx-int8")
    assert "7-bit weights" in record.recipe["scheme"]
    graph = onnx.load(str(Registry().path(record.id) / "model.int8.onnx")).graph
    weights = [numpy_helper.to_array(t) for t in graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert len(weights) >= 4 * 6  # every Linear of the 4 blocks, at least
    # |w| <= 64: a pair of u8 x s8 products stays within int16 (2 * 255 * 64 < 32767); 8 bits go to 127
    assert max(int(abs(w.astype(int)).max()) for w in weights) <= 64


@pytest.mark.parametrize(("compute", "expected"), [("float32", "float32"), ("half", "float16")])
def test_half_storage_computes_in_the_precision_asked_for(toy_model_id, compute, expected):
    record = build_variant(toy_model_id, parse_variant_spec("fp16", compute=compute))
    model = load_model(record.id).model
    assert str(next(model.parameters()).dtype) == f"torch.{expected}"
    assert record.recipe["reload_check"]["max_abs_logit_diff"] == 0.0


def test_auto_compute_picks_a_precision_this_cpu_runs_faster():
    import torch

    from workbench.variants.precision import faster_compute_dtype

    assert faster_compute_dtype("bfloat16", torch.get_num_threads()) in {"bfloat16", "float32"}


def test_refuses_more_layers_than_the_model_has(toy_model_id):
    message = "drop-layers:8 keeps 8 layers but 'toy' has only 4; choose K from 1 to 3."
    with pytest.raises(IncompatibleError, match=re.escape(message)):
        build_variant(toy_model_id, "drop-layers:8")
    assert [r.id for r in Registry().list()] == [toy_model_id]  # nothing half-built left behind


def test_refuses_merged_lora_without_an_adapter(toy_model_id):
    message = (
        "merged-lora merges a LoRA adapter into its base, but 'toy' has no adapter (method 'full'). "
        "It applies to models trained with --method lora."
    )
    with pytest.raises(IncompatibleError, match=re.escape(message)):
        build_variant(toy_model_id, "merged-lora")


def test_refuses_to_build_on_top_of_a_quantized_variant(toy_model_id):
    quantized = build_variant(toy_model_id, "int8")
    message = (
        "drop-layers:2 cannot be applied to 'toy-int8': int8 variants are end points. Build from its "
        "parent 'toy' and put int8 last, e.g. drop-layers:2+int8."
    )
    with pytest.raises(IncompatibleError, match=re.escape(message)):
        build_variant(quantized.id, "drop-layers:2")


def test_distill_without_data_says_what_to_give(toy_model_id):
    with pytest.raises(
        SpecError, match=re.escape("distill:2 trains on your data: give a labelled training file")
    ):
        build_variant(toy_model_id, "distill:2+int8")


def test_compatibility_listing_marks_what_applies(toy_model_id):
    loaded = load_model(toy_model_id)
    rows = {row["name"]: row for row in compatible_variants(loaded.record, loaded.model)}
    assert rows["int8"]["compatible"] and rows["distill"]["compatible"]
    assert not rows["merged-lora"]["compatible"]
    assert rows["merged-lora"]["reason"].startswith("merged-lora merges a LoRA adapter")


def test_stacked_variant_records_lineage_and_reuses_built_steps(toy_model_id):
    stacked = build_variant(toy_model_id, "drop-layers:2+int8", name="small-fast")
    assert [r.id for r in Registry().lineage(stacked.id)] == ["toy", "toy-drop2", "small-fast"]
    assert stacked.recipe["chain"] == ["drop-layers:2", "int8"] and stacked.recipe["root"] == "toy"
    other = build_variant(toy_model_id, "drop-layers:2+fp16")
    assert other.parent == "toy-drop2"
    assert sorted(r.id for r in Registry().list()) == ["small-fast", "toy", "toy-drop2", "toy-drop2-fp16"]


def test_a_stack_reuses_a_built_step_only_when_the_options_that_step_uses_match(toy_model_id):
    build_variant(toy_model_id, "drop-layers:2")  # every other layer: keeps layers 1 and 3
    first = build_variant(toy_model_id, parse_variant_spec("drop-layers:2+int8", layer_choice="first"))
    parent = Registry().get(first.parent)
    assert parent.id != "toy-drop2" and parent.recipe["kept_layers"] == [0, 1]
    assert Registry().get("toy-drop2").recipe["kept_layers"] == [1, 3]
    again = build_variant(
        toy_model_id, parse_variant_spec("drop-layers:2+int8", layer_choice="first", epochs=9)
    )
    assert again.parent == parent.id  # epochs is a distill option: drop-layers does not read it
    default = build_variant(toy_model_id, "drop-layers:2+int8")
    assert default.parent == "toy-drop2"


def test_distilled_student_is_trained_and_stackable(toy_model_id, tmp_path, capsys):
    from toy_data import write_sentiment_csv

    from workbench.data import ColumnMap

    data = write_sentiment_csv(tmp_path, n=120, seed=3)
    spec = parse_variant_spec(
        "distill:2+int8", epochs=2.0, learning_rate=3e-3, batch_size=16
    )  # tiny: big steps
    record = build_variant(toy_model_id, spec, data=str(data), columns=ColumnMap("text", "label"))
    assert capsys.readouterr().out == ""  # the core prints nothing (progress goes to the callback)
    student = Registry().get(record.parent)
    assert [r.id for r in Registry().lineage(record.id)] == ["toy", "toy-distill2", "toy-distill2-int8"]
    assert student.recipe["kept_layers"] == [1, 3] and student.recipe["train_rows"] == 108
    assert student.recipe["steps"] > 0 and student.recipe["validation"]["metric"] == "accuracy"
    assert _config(student.id)["num_hidden_layers"] == 2
    assert not [p for p in Registry().path(student.id).rglob("*") if p.suffix in PICKLE_SUFFIXES]
    predictions = load_model(record.id).predict(TEXTS)
    assert len(predictions) == len(TEXTS)


@pytest.fixture()
def lora_model_id(tiny_bert_dir, isolated_workspace) -> str:
    """An adapter model (random LoRA weights, no training) published like ``train --method lora`` does."""
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForSequenceClassification

    from workbench.models.loading import load_tokenizer
    from workbench.models.registry import ModelRecord
    from workbench.tasks import get_task

    torch.manual_seed(0)
    labels = ["neg", "pos"]
    base = AutoModelForSequenceClassification.from_pretrained(
        str(tiny_bert_dir), **get_task("classification").config_overrides(labels)
    )
    model = get_peft_model(
        base, LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, target_modules="all-linear")
    )
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)  # so merging visibly changes the weights
    registry = Registry()
    staging = registry.staging_dir()
    model.save_pretrained(str(staging))
    load_tokenizer(str(tiny_bert_dir)).save_pretrained(str(staging))
    record = ModelRecord(
        id="lora-toy",
        name="lora-toy",
        task="classification",
        labels=labels,
        base_model=str(tiny_bert_dir),
        method="lora",
        adapter=True,
    )
    return registry.publish(staging, record).id


def test_merged_lora_predicts_like_the_adapter_and_can_be_compressed(lora_model_id):
    with pytest.raises(IncompatibleError, match=re.escape("Merge it first: merged-lora+int8.")):
        build_variant(lora_model_id, "int8")
    stacked = build_variant(lora_model_id, "merged-lora+int8")
    merged = Registry().get(stacked.parent)
    assert not merged.adapter and merged.recipe["loader"] == "hf"
    adapter_logits = load_model(lora_model_id).logits(TEXTS)
    np.testing.assert_allclose(load_model(merged.id).logits(TEXTS), adapter_logits, atol=1e-5)
