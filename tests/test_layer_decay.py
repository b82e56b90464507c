"""Layer-wise learning-rate decay: which rate each parameter gets, and that training honours it."""

from __future__ import annotations

import pytest
from toy_data import write_sentiment_csv

from workbench.models.registry import Registry
from workbench.training.layer_decay import describe, lr_scales
from workbench.training.spec import TrainSpec
from workbench.training.trainer import train

BERT = [
    "bert.embeddings.word_embeddings.weight",
    "bert.embeddings.LayerNorm.weight",
    "bert.encoder.layer.0.attention.self.query.weight",
    "bert.encoder.layer.1.output.dense.bias",
    "bert.encoder.layer.2.output.dense.bias",
    "classifier.weight",
]


def test_each_layer_gets_decay_times_the_one_above_and_the_embeddings_the_least():
    scales = lr_scales(BERT, 0.5)
    assert scales["classifier.weight"] == 1.0
    assert scales["bert.encoder.layer.2.output.dense.bias"] == 0.5
    assert scales["bert.encoder.layer.1.output.dense.bias"] == 0.25
    assert scales["bert.encoder.layer.0.attention.self.query.weight"] == 0.125
    assert scales["bert.embeddings.word_embeddings.weight"] == 0.0625
    assert scales["bert.embeddings.LayerNorm.weight"] == 0.0625
    assert describe(BERT, 1e-4, 0.5) == (
        "layer-wise learning-rate decay 0.5: head 0.0001, layer 2 5e-05 ... layer 0 1.3e-05, embeddings 6.3e-06"
    )


@pytest.mark.parametrize(
    "names, layer_name, embedding_name",
    [
        (
            [
                "transformer.wte.weight",
                "transformer.h.0.attn.c_attn.weight",
                "transformer.h.1.mlp.c_fc.weight",
                "score.weight",
            ],
            "transformer.h.0.attn.c_attn.weight",
            "transformer.wte.weight",
        ),
        (
            [
                "model.embed_tokens.weight",
                "model.layers.0.self_attn.q_proj.weight",
                "model.layers.1.mlp.up_proj.weight",
                "model.norm.weight",
            ],
            "model.layers.0.self_attn.q_proj.weight",
            "model.embed_tokens.weight",
        ),
        (
            [
                "base_model.model.bert.embeddings.word_embeddings.weight",
                "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.default.weight",
                "base_model.model.bert.encoder.layer.1.attention.self.query.lora_B.default.weight",
                "base_model.model.classifier.modules_to_save.default.weight",
            ],
            "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.default.weight",
            "base_model.model.bert.embeddings.word_embeddings.weight",
        ),
    ],
    ids=["gpt2", "llama", "lora"],
)
def test_depths_are_read_from_other_architectures_and_adapters(names, layer_name, embedding_name):
    scales = lr_scales(names, 0.8)
    assert scales[layer_name] == pytest.approx(0.8**2)
    assert scales[embedding_name] == pytest.approx(0.8**3)
    assert scales[names[-1]] == 1.0  # head / final norm


@pytest.fixture(scope="module")
def toy_csv(tmp_path_factory):
    return write_sentiment_csv(tmp_path_factory.mktemp("toy"))


def _mean_change(saved, base, key):
    return float((saved[f"bert.{key}"] - base[key]).abs().mean())


def test_training_moves_the_lower_layers_less(tiny_bert_dir, toy_csv):
    from safetensors.torch import load_file

    base = load_file(str(tiny_bert_dir / "model.safetensors"))  # a plain BertModel, 4 layers
    change, logs = {}, []
    for decay in (1.0, 0.5):
        spec = TrainSpec(
            train_data=str(toy_csv),
            base_model=str(tiny_bert_dir),
            layer_lr_decay=decay,
            keep="last",
            epochs=2,
            batch_size=16,
            learning_rate=1e-3,
            warmup_ratio=0.0,
            weight_decay=0.0,
        )
        result = train(spec, progress=lambda e: logs.append(e.message))
        saved = load_file(str(Registry().path(result.model_id) / "model.safetensors"))
        change[decay] = {
            key: _mean_change(saved, base, key)
            for key in (
                "embeddings.word_embeddings.weight",
                "encoder.layer.0.attention.self.query.weight",
                "encoder.layer.1.attention.self.query.weight",
                "encoder.layer.3.attention.self.query.weight",
            )
        }
    ratio = {key: change[0.5][key] / change[1.0][key] for key in change[1.0]}
    # Adam's steps scale with the rate: each layer at half the one above, the top at half the head's
    shares = {
        "embeddings.word_embeddings.weight": 1 / 32,
        "encoder.layer.0.attention.self.query.weight": 1 / 16,
        "encoder.layer.1.attention.self.query.weight": 1 / 8,
        "encoder.layer.3.attention.self.query.weight": 1 / 2,
    }
    for key, share in shares.items():
        assert share * 0.6 < ratio[key] < share * 1.6, (key, ratio[key])
    assert (
        "layer-wise learning-rate decay 0.5: head 0.001, layer 3 0.0005 ... layer 0 6.3e-05, embeddings 3.1e-05"
        in logs
    )
    assert sum("layer-wise" in str(m) for m in logs) == 1  # decay 1 is the plain Trainer optimiser
