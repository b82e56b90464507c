"""Variants of seq2seq (translation) models: int8 dynamic quantisation and decoder layer dropping
build, save without pickles, reload identically and generate; what does not apply is refused with the
variants that do; the comparison table measures chrF and generated sentences per second."""

from __future__ import annotations

import json
import shutil

import pytest
from seq2seq_data import all_texts, parallel_pairs, write_parallel_csv

from workbench.cli.main import main
from workbench.errors import IncompatibleError
from workbench.inference.generation import GenerationSpec
from workbench.inference.predict import MODEL_CACHE, load_model
from workbench.models.registry import Registry
from workbench.variants import build_variant, compatible_variants

SOURCES = [s for s, _ in parallel_pairs()]
REFERENCES = [t for _, t in parallel_pairs()]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _trained(tmp_path_factory, kind: str, epochs: float, lr: float, warmup: float):
    from tiny_models import make_tiny_marian, make_tiny_t5

    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    make = {"marian": make_tiny_marian, "t5": make_tiny_t5}[kind]
    base = make(tmp_path_factory.mktemp(f"tiny-{kind}") / "model", all_texts())
    data = write_parallel_csv(tmp_path_factory.mktemp(f"pairs-{kind}"))
    home = tmp_path_factory.mktemp(f"home-{kind}")
    spec = TrainSpec(
        train_data=str(data),
        eval_data=str(data),
        base_model=str(base),
        task="seq2seq",
        name=f"tiny-{kind}",
        epochs=epochs,
        batch_size=4,
        learning_rate=lr,
        warmup_ratio=warmup,
    )
    result = train(spec, registry=Registry(home))
    return Registry(home).path(result.model_id), result.metrics


@pytest.fixture(scope="module")
def marian_folder(tmp_path_factory):
    """A tiny Marian (2 encoder + 2 decoder layers) that has learnt the parallel set by heart."""
    folder, metrics = _trained(tmp_path_factory, "marian", epochs=40, lr=1e-3, warmup=0.1)
    assert metrics["chrf"] >= 95, metrics
    return folder


@pytest.fixture()
def marian_id(marian_folder, isolated_workspace) -> str:
    shutil.copytree(marian_folder, Registry().root / marian_folder.name)
    MODEL_CACHE.clear()
    return marian_folder.name


def _translate(model_id: str, beams: int = 1) -> list[str]:
    loaded = load_model(model_id)
    return [p.label for p in loaded.predict(SOURCES, generation=GenerationSpec(num_beams=beams))]


def _weights_bytes(model_id: str) -> int:
    return sum(p.stat().st_size for p in Registry().path(model_id).iterdir() if p.suffix == ".safetensors")


def test_int8_variant_of_a_translation_model_reloads_and_translates_like_its_parent(marian_id):
    record = build_variant(marian_id, "int8")
    assert record.recipe["loader"] == "int8-dynamic"
    # per encoder block q, k, v, out, fc1, fc2; per decoder block 4 more (cross-attention); lm_head
    assert record.recipe["quantized_layers"] == 2 * 6 + 2 * 10 + 1
    assert record.recipe["reload_check"]["max_abs_logit_diff"] == 0.0
    assert _weights_bytes(record.id) < 0.6 * _weights_bytes(marian_id)
    assert not [p for p in Registry().path(record.id).iterdir() if p.suffix in {".bin", ".pt", ".pkl"}]
    parent = _translate(marian_id)
    assert parent == REFERENCES  # the parent knows the set by heart...
    for beams in (1, 4):  # ...and the int8 variant, loaded from disk, still translates it the same
        assert _translate(record.id, beams) == parent


def test_drop_layers_cuts_the_decoder_and_keeps_the_encoder(marian_id):
    record = build_variant(marian_id, "drop-layers:1")
    config = json.loads((Registry().path(record.id) / "config.json").read_text())
    assert (config["decoder_layers"], config["encoder_layers"]) == (1, 2)
    assert record.recipe["layers_cut"] == "decoder_layers"
    assert record.recipe["kept_layers"] == [1]  # every-other keeps the top layer
    assert record.recipe["reload_check"]["max_abs_logit_diff"] == 0.0
    loaded = load_model(record.id)
    assert len(loaded.model.get_decoder().layers) == 1 and len(loaded.model.get_encoder().layers) == 2
    first = _translate(record.id, beams=4)
    MODEL_CACHE.clear()
    assert _translate(record.id, beams=4) == first and len(first) == len(SOURCES)
    stacked = build_variant(marian_id, "drop-layers:1+int8")  # reuses the dropped variant
    assert stacked.parent == record.id and stacked.recipe["chain"] == ["drop-layers:1", "int8"]
    assert stacked.recipe["reload_check"]["max_abs_logit_diff"] == 0.0


def test_drop_layers_of_a_t5_keeps_the_relative_position_bias(tmp_path_factory, isolated_workspace):
    """T5 learns its position bias in the first block only: dropping that block must hand it over."""
    folder, _ = _trained(tmp_path_factory, "t5", epochs=1, lr=3e-3, warmup=0.0)
    shutil.copytree(folder, Registry().root / folder.name)
    record = build_variant(folder.name, "drop-layers:1")
    assert record.recipe["layers_cut"] == "num_decoder_layers" and record.recipe["kept_layers"] == [1]
    assert record.recipe["reload_check"]["max_abs_logit_diff"] == 0.0
    decoder = load_model(record.id).model.get_decoder()
    assert decoder.block[0].layer[0].SelfAttention.has_relative_attention_bias


def test_variants_that_do_not_apply_to_seq2seq_are_refused_naming_those_that_do(marian_id):
    expected = (
        "'tiny-marian': distill does not apply to seq2seq (translation) models yet. Use one of: int8, "
        "drop-layers, merged-lora, onnx-int8 (drop-layers:K keeps K decoder layers)."
    )
    for variant in ("fp16", "prune:0.5", "prune-ffn:0.5"):
        with pytest.raises(IncompatibleError, match=f"'tiny-marian': {variant.split(':')[0]} does not apply"):
            build_variant(marian_id, variant)
    with pytest.raises(IncompatibleError, match="'tiny-marian': distill does not apply"):
        build_variant(marian_id, "distill:1")  # refused before it asks for training data
    loaded = load_model(marian_id)
    rows = {row["name"]: row for row in compatible_variants(loaded.record, loaded.model)}
    assert rows["distill"]["reason"] == expected
    assert rows["int8"]["compatible"] and rows["drop-layers"]["compatible"]
    with pytest.raises(IncompatibleError, match=r"drop-layers:2 keeps 2 layers but 'tiny-marian' has only "
                       r"2 \(decoder_layers\); choose K from 1 to 1\."):  # fmt: skip
        build_variant(marian_id, "drop-layers:2")


def test_cli_compress_builds_an_int8_translation_variant(marian_id, capsys):
    assert main(["compress", marian_id, "--variant", "int8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["model_id"] == f"{marian_id}-int8" and out["parent"] == marian_id
    assert _translate(out["model_id"]) == REFERENCES


def test_comparison_measures_chrf_and_generated_sentences_per_second(marian_id, tmp_path, capsys):
    from workbench.data import ColumnMap
    from workbench.variants import compare_models
    from workbench.variants.compare import format_comparison

    build_variant(marian_id, "int8")
    build_variant(marian_id, "drop-layers:1")
    data = write_parallel_csv(tmp_path)
    table = compare_models(
        marian_id, "all", data, ColumnMap(), rounds=1, latency_rows=3, threads=1, memory=False
    )
    rows = table.set_index("variant")
    assert list(rows.index) == ["original", "int8", "drop-layers:1"]
    assert set(rows["metric"]) == {"chrf"}
    assert rows.loc["original", "metric_value"] == 100.0  # the parent knows the set by heart
    int8, dropped = rows.loc["int8"], rows.loc["drop-layers:1"]
    assert (int8["metric_value"], int8["agreement"], int8["metric_delta"]) == (100.0, 1.0, 0.0)
    assert dropped["metric_value"] < 100.0 and dropped["agreement"] < 1.0  # one decoder layer, untrained
    assert (table["throughput_rps"] > 0).all() and (table["latency_ms_p50"] > 0).all()
    assert rows.loc["original", "speedup"] == 1.0
    saved = Registry().get(f"{marian_id}-int8")
    assert saved.metrics["chrf"] == 100.0 and saved.extra["comparison"]["reference"] == marian_id
    delta = f"{dropped['metric_delta']:+6.2f}"  # chrF is in points already: not multiplied by 100
    assert delta in format_comparison(table).splitlines()[4]
    data.write_text(data.read_text().replace("source,target", "en,de_reference", 1))
    assert main(["compare", marian_id, "--variants", f"{marian_id}-int8", "--data", str(data),
                 "--source-column", "en", "--target-column", "de_reference",
                 "--rounds", "1", "--latency-rows", "2", "--threads", "1", "--no-memory", "--json"]) == 0  # fmt: skip
    measured = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [(r["variant"], r["metric"], r["agreement"]) for r in measured] == [
        ("original", "chrf", 1.0),
        ("int8", "chrf", 1.0),
    ]


def _until_eos(ids: list[int], eos: int) -> list[int]:
    return ids[: ids.index(eos) + 1] if eos in ids else ids


@pytest.mark.parametrize("beams", [1, 4])
def test_onnx_encoder_decoder_with_past_generates_the_tokens_pytorch_generates(marian_id, tmp_path, beams):
    """The three exported graphs (encoder, first decoder step, decoder with past keys/values) under
    ONNX Runtime give exactly PyTorch's tokens, on the learnt set and on sentences it never saw."""
    from workbench.variants import is_onnxruntime_available

    if not is_onnxruntime_available():
        pytest.skip("onnxruntime not installed")
    from workbench.variants.onnx_seq2seq import (
        OnnxSeq2SeqGenerator,
        SearchSettings,
        export_seq2seq_onnx,
        quantize_seq2seq_onnx,
    )

    loaded = load_model(marian_id)
    names = export_seq2seq_onnx(loaded.model, tmp_path)
    assert names == ["encoder.onnx", "decoder.onnx", "decoder_with_past.onnx"]
    settings = SearchSettings.of(loaded.model)
    generator = OnnxSeq2SeqGenerator(tmp_path, settings, threads=1)
    sources = [*SOURCES, "the cat the dog a bird sings", "river", "my friend my friend eats at home"]
    batch = loaded.tokenizer(sources, padding=True, return_tensors="pt")
    expected = loaded.model.generate(**batch, num_beams=beams, max_new_tokens=20)
    ids, mask = batch["input_ids"].numpy(), batch["attention_mask"].numpy()
    produced = generator.generate(ids, mask, num_beams=beams, max_new_tokens=20)
    assert [_until_eos(row, settings.eos) for row in produced] == [
        _until_eos(row.tolist(), settings.eos) for row in expected
    ]
    quantized = tmp_path / "int8"
    quantized.mkdir()
    quantize_seq2seq_onnx(tmp_path, quantized)
    texts = loaded.tokenizer.batch_decode(
        OnnxSeq2SeqGenerator(quantized, settings, threads=1).generate(ids[:24], mask[:24], num_beams=beams),
        skip_special_tokens=True,
    )
    assert [t.strip() for t in texts] == REFERENCES  # int8 graphs still know the set


def test_onnx_int8_workspace_variant_translates_reloads_and_is_compared(marian_id, tmp_path):
    from workbench.data import ColumnMap
    from workbench.errors import SpecError
    from workbench.variants import compare_models, is_onnxruntime_available

    if not is_onnxruntime_available():
        pytest.skip("onnxruntime not installed")
    record = build_variant(marian_id, "onnx-int8")
    assert record.recipe["graphs"] == "seq2seq" and record.recipe["loader"] == "onnx"
    folder = Registry().path(record.id)
    assert sorted(p.name for p in folder.glob("*.onnx")) == [
        "decoder.onnx",
        "decoder_with_past.onnx",
        "encoder.onnx",
    ]
    assert record.recipe["reload_check"]["max_abs_logit_diff"] <= 1e-5
    for beams in (1, 4):
        assert _translate(record.id, beams) == REFERENCES
    predictions = load_model(record.id).predict(SOURCES[:3])
    assert all(0.5 < p.score <= 1.0 for p in predictions)  # confident: the set is learnt by heart
    with pytest.raises(SpecError, match="The ONNX variant generates by greedy or beam search only"):
        load_model(record.id).predict(SOURCES[:1], generation=GenerationSpec(no_repeat_ngram_size=2))
    table = compare_models(
        marian_id, [record.id], write_parallel_csv(tmp_path), ColumnMap(), rounds=1, latency_rows=2,
        threads=1, memory=False,
    )  # fmt: skip
    row = table.set_index("variant").loc["onnx-int8"]
    assert (row["metric"], row["metric_value"], row["agreement"]) == ("chrf", 100.0, 1.0)
