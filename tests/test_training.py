"""Fine-tuning end to end on tiny models: train → save → reload → identical predictions."""

from __future__ import annotations

import numpy as np
import pytest
from toy_data import sentiment_frame, write_sentiment_csv

from workbench.errors import SpecError
from workbench.inference.predict import load_model
from workbench.models.registry import Registry
from workbench.training.spec import TrainSpec
from workbench.training.trainer import train

FAST = {"epochs": 8, "batch_size": 16, "learning_rate": 3e-3, "warmup_ratio": 0.0}


@pytest.fixture(scope="module")
def toy_csv(tmp_path_factory):
    return write_sentiment_csv(tmp_path_factory.mktemp("toy"))


def test_full_finetune_learns_and_reload_predicts_identically(tiny_bert_dir, toy_csv):
    spec = TrainSpec(train_data=str(toy_csv), base_model=str(tiny_bert_dir), name="toy-full", **FAST)
    result = train(spec)
    assert result.status == "completed"
    assert result.metrics["accuracy"] >= 0.9
    texts = sentiment_frame(20, seed=99)["text"].tolist()
    first = load_model(result.model_id)
    second = load_model(result.model_id)
    np.testing.assert_array_equal(first.logits(texts), second.logits(texts))
    assert [p.label for p in first.predict(texts)] == sentiment_frame(20, seed=99)["label"].tolist()
    record = Registry().get("toy-full")
    assert record.labels == ["neg", "pos"]
    assert first.model.config.id2label == {0: "neg", 1: "pos"}
    assert (Registry().path(record.id) / "model.safetensors").is_file()
    assert "base_model:" in (Registry().path(record.id) / "README.md").read_text()


def test_lora_trains_a_small_fraction_and_learns(tiny_bert_dir, tmp_path):
    logs = []
    # adapters on a random tiny encoder need more rows than a full fine-tune; 1e-2 collapses to one class
    spec = TrainSpec(
        train_data=str(write_sentiment_csv(tmp_path, n=320)),
        base_model=str(tiny_bert_dir),
        method="lora",
        name="toy-lora",
        lora_r=8,
        **{**FAST, "learning_rate": 5e-3, "epochs": 10},
    )
    result = train(spec, progress=lambda e: logs.append(e))
    trained = result.record.extra["train"]
    assert trained["trainable_parameters"] < 0.35 * trained["total_parameters"]
    assert result.metrics["accuracy"] >= 0.9
    assert result.record.adapter is True
    loaded = load_model(result.model_id)
    assert loaded.predict(["the movie was wonderful"])[0].label == "pos"
    assert any(e.kind == "eval" for e in logs) and any(e.kind == "step" for e in logs)


def test_head_only_freezes_the_encoder(tiny_bert_dir, toy_csv):
    spec = TrainSpec(
        train_data=str(toy_csv),
        base_model=str(tiny_bert_dir),
        method="head",
        name="toy-head",
        epochs=1,
        batch_size=32,
    )
    result = train(spec)
    trained = result.record.extra["train"]
    assert trained["trainable_parameters"] < 0.2 * trained["total_parameters"]


def test_regression_and_multilabel_tasks(tiny_bert_dir, tmp_path):
    frame = sentiment_frame(80)
    frame["score"] = [0.9 if label == "pos" else 0.1 for label in frame["label"]]
    frame["tags"] = ["pos|movie" if label == "pos" else "neg" for label in frame["label"]]
    path = tmp_path / "multi.csv"
    frame.to_csv(path, index=False)
    reg = train(TrainSpec(train_data=str(path), label_col="score", base_model=str(tiny_bert_dir), **FAST))
    assert reg.record.task == "regression" and {"mse", "mae", "r2", "pearson", "spearman"} <= set(reg.metrics)
    multi = train(
        TrainSpec(
            train_data=str(path),
            label_col="tags",
            base_model=str(tiny_bert_dir),
            **{**FAST, "learning_rate": 1e-2, "epochs": 12},
        )
    )
    assert multi.record.task == "multilabel" and multi.record.labels == ["movie", "neg", "pos"]
    assert multi.metrics["f1_micro"] > 0.8


def test_sentence_pairs_with_a_decoder_model(tiny_gpt2_dir, tmp_path):
    frame = sentiment_frame(60)
    frame["context"] = "review"
    path = tmp_path / "pairs.csv"
    frame.to_csv(path, index=False)
    spec = TrainSpec(train_data=str(path), text_pair_col="context", base_model=str(tiny_gpt2_dir), epochs=1)
    result = train(spec)
    loaded = load_model(result.model_id)
    assert loaded.tokenizer.pad_token is not None
    assert len(loaded.predict(["great film"], ["review"])) == 1


def test_absurd_settings_are_all_reported():
    with pytest.raises(SpecError) as info:
        TrainSpec(train_data="x.csv", epochs=-1, batch_size=0, learning_rate=5.0, method="magic")
    problems = info.value.problems
    assert "epochs must be at least 0.05, got -1" in problems
    assert "batch_size must be at least 1, got 0" in problems
    assert "learning_rate must be at most 1.0, got 5.0" in problems
    assert "method must be one of full, lora, head; got 'magic'" in problems
