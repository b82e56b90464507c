"""Loading registry models back: adapters find their base, safety options travel, decoders pad right."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from test_training import FAST, in_memory_logits
from toy_data import sentiment_frame, write_sentiment_csv

from workbench.config import default_model_path
from workbench.errors import ModelLoadError
from workbench.inference import loaders
from workbench.inference.predict import load_model
from workbench.models.registry import ModelRecord
from workbench.training.spec import TrainSpec
from workbench.training.trainer import train


def test_lora_adapter_from_a_relative_base_folder_reloads_elsewhere(tiny_bert_dir, tmp_path, monkeypatch):
    shutil.copytree(tiny_bert_dir, tmp_path / "bases" / "tiny")
    data = write_sentiment_csv(tmp_path, n=64)
    texts = sentiment_frame(8, seed=4)["text"].tolist()
    trained: dict = {}
    monkeypatch.chdir(tmp_path)
    spec = TrainSpec(
        train_data=str(data),
        base_model="bases/tiny",
        method="lora",
        **{**FAST, "epochs": 1, "learning_rate": 5e-3},
    )
    result = train(spec, on_trained=in_memory_logits(texts, trained))
    assert result.record.adapter is True
    assert result.record.extra["base_source"] == str((tmp_path / "bases" / "tiny").resolve())
    monkeypatch.chdir(tmp_path.parent)  # "bases/tiny" means nothing from here
    reloaded = load_model(result.model_id)
    np.testing.assert_allclose(reloaded.logits(texts), trained["logits"], atol=1e-6)


def _adapter_record(**extra) -> ModelRecord:
    return ModelRecord(
        id="a", name="a", task="classification", labels=["neg", "pos"], base_model="default", extra=extra
    )


def test_adapter_base_falls_back_when_the_saved_folder_is_gone(tmp_path):
    if default_model_path() is None:
        pytest.skip("the offline default model is not installed")
    moved = _adapter_record(base_source=str(tmp_path / "old-site-packages" / "model"))
    assert loaders.adapter_base_source(moved) == str(default_model_path())
    assert loaders.adapter_base_source(_adapter_record(base_source="org/some-model")) == "org/some-model"
    gone = _adapter_record(base_source=str(tmp_path / "gone"))
    gone.base_model = str(tmp_path / "gone")
    with pytest.raises(ModelLoadError, match="does not exist"):
        loaders.adapter_base_source(gone)


def test_loaders_pass_the_saved_safety_options(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(loaders, "load_pretrained", lambda auto, source, **kw: seen.append((source, kw)))
    record = _adapter_record(base_source="org/remote-model")
    record.spec = {"trust_remote_code": True, "allow_pickle": True}
    loaders.load_hf_folder(record, tmp_path)
    assert seen[-1] == (str(tmp_path), {"trust_remote_code": True})
    plain = _adapter_record()
    loaders.load_hf_folder(plain, tmp_path)
    assert seen[-1][1] == {"trust_remote_code": False}


def test_gpt2_scores_a_text_the_same_alone_and_in_a_padded_batch(tiny_gpt2_dir, tmp_path):
    from transformers import AutoTokenizer

    left = tmp_path / "gpt2-left"
    shutil.copytree(tiny_gpt2_dir, left)
    tokenizer = AutoTokenizer.from_pretrained(left)
    tokenizer.padding_side = "left"  # as some decoder tokenizers ship; must not change the scores
    tokenizer.save_pretrained(left)
    spec = TrainSpec(train_data=str(write_sentiment_csv(tmp_path, n=40)), base_model=str(left), epochs=0.5)
    loaded = load_model(train(spec).model_id)
    assert loaded.tokenizer.pad_token is not None and loaded.tokenizer.padding_side == "right"
    assert loaded.model.config.pad_token_id == loaded.tokenizer.pad_token_id
    short, longer = "great film", "the movie was really quite boring and the plot was dull and slow"
    alone = loaded.logits([short])
    batch = loaded.logits([short, longer, "it was fine"], batch_size=8)
    assert not np.allclose(batch[0], batch[1])
    np.testing.assert_allclose(batch[0], alone[0], atol=1e-5)
