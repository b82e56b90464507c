"""Mean pooling: detected from sentence-transformers folders, padding-invariant, saved in the config and
kept by every loader (full, adapter, int8 and layer-dropped variants)."""

from __future__ import annotations

import json
import shutil
import threading

import numpy as np
import pytest
import torch
from toy_data import sentiment_frame, write_sentiment_csv

from workbench.errors import IncompatibleError
from workbench.inference.predict import load_model
from workbench.models.loading import load_pretrained
from workbench.models.pooling import (
    apply_pooling,
    pooling_of,
    resolve_pooling,
    sentence_transformers_pooling,
)
from workbench.models.registry import Registry
from workbench.training.spec import TrainSpec
from workbench.training.trainer import train

FAST = {"epochs": 8, "batch_size": 16, "learning_rate": 3e-3, "warmup_ratio": 0.0}
TEXTS = sentiment_frame(16, seed=3)["text"].tolist()


def _as_sentence_transformers(src, dst, mode="mean"):
    shutil.copytree(src, dst)
    (dst / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ]
        )
    )
    (dst / "1_Pooling").mkdir()
    flags = {f"pooling_mode_{m}_tokens": m == mode for m in ("mean", "max")}
    flags["pooling_mode_cls_token"] = mode == "cls"
    (dst / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, **flags}))
    return dst


def _classifier(folder, labels=2):
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(0)
    return load_pretrained(AutoModelForSequenceClassification, str(folder), num_labels=labels).eval()


def _tokenizer(folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


def test_auto_pooling_follows_the_sentence_transformers_config(tiny_bert_dir, tiny_gpt2_dir, tmp_path):
    mean_dir = _as_sentence_transformers(tiny_bert_dir, tmp_path / "st-mean")
    cls_dir = _as_sentence_transformers(tiny_bert_dir, tmp_path / "st-cls", mode="cls")
    assert sentence_transformers_pooling(str(mean_dir)) == "mean"
    assert sentence_transformers_pooling(str(cls_dir)) == "cls"
    assert sentence_transformers_pooling(str(tiny_bert_dir)) is None
    assert sentence_transformers_pooling("no-such/hub-model") is None
    model = _classifier(tiny_bert_dir)
    assert resolve_pooling("auto", str(mean_dir), model) == "mean"
    assert resolve_pooling("auto", str(cls_dir), model) == "native"
    assert resolve_pooling("auto", str(tiny_bert_dir), model) == "native"
    assert resolve_pooling("mean", str(tiny_bert_dir), model) == "mean"
    assert resolve_pooling("native", str(mean_dir), model) == "native"


def test_the_default_model_declares_mean_pooling():
    from workbench.models.loading import resolve_source

    assert sentence_transformers_pooling(resolve_source("default")) == "mean"


def test_mean_pooling_averages_real_tokens_only(tiny_bert_dir):
    model = apply_pooling(_classifier(tiny_bert_dir), "mean")
    tok = _tokenizer(tiny_bert_dir)
    short, long = "great film", "the plot was boring and the acting was really quite awful"
    alone = tok([short], return_tensors="pt")
    padded = tok([short, long], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model.bert(**alone).last_hidden_state
        pooled = model.bert(**alone).pooler_output
        logits_alone = model(**alone).logits
        logits_padded = model(**padded).logits
    torch.testing.assert_close(pooled, hidden.mean(dim=1))
    torch.testing.assert_close(logits_padded[:1], logits_alone, atol=1e-5, rtol=1e-5)
    native = _classifier(tiny_bert_dir)
    with torch.no_grad():
        assert not torch.allclose(native(**alone).logits, logits_alone)  # it really changed the head
    assert pooling_of(model) == "mean" and model.config.workbench_pooling == "mean"
    assert apply_pooling(model, "mean") is model and pooling_of(model) == "mean"  # idempotent


def test_concurrent_requests_do_not_mix_their_masks(tiny_bert_dir):
    model = apply_pooling(_classifier(tiny_bert_dir), "mean")
    tok = _tokenizer(tiny_bert_dir)
    batches = [tok(TEXTS[i : i + k], padding=True, return_tensors="pt") for i, k in [(0, 3), (3, 7), (10, 2)]]
    with torch.no_grad():
        expected = [model(**b).logits for b in batches]
    errors: list[str] = []

    def worker(index: int) -> None:
        for _ in range(15):
            with torch.no_grad():
                got = model(**batches[index]).logits
            if not torch.allclose(got, expected[index], atol=1e-5):
                errors.append(f"batch {index} changed")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_mean_pooling_needs_a_bert_style_model(tiny_gpt2_dir, tmp_path):
    model = _classifier(tiny_gpt2_dir)
    with pytest.raises(IncompatibleError, match="pooling 'native'"):
        apply_pooling(model, "mean")
    assert resolve_pooling("auto", str(tiny_gpt2_dir), model) == "native"
    spec = TrainSpec(
        train_data=str(write_sentiment_csv(tmp_path, n=40)), base_model=str(tiny_gpt2_dir), pooling="mean"
    )
    with pytest.raises(IncompatibleError, match="mean pooling needs a BERT-style model"):
        train(spec)


@pytest.fixture(scope="module")
def mean_base(tiny_bert_dir, tmp_path_factory):
    return _as_sentence_transformers(tiny_bert_dir, tmp_path_factory.mktemp("st") / "model")


def test_full_finetune_with_mean_pooling_saves_and_reloads_it(mean_base, tmp_path):
    seen: dict = {}
    spec = TrainSpec(
        train_data=str(write_sentiment_csv(tmp_path)), base_model=str(mean_base), name="m", **FAST
    )

    def hook(model, tokenizer):
        seen["pooling"] = pooling_of(model)
        batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
        with torch.no_grad():
            seen["logits"] = model(**batch).logits.numpy()

    result = train(spec, on_trained=hook)
    assert seen["pooling"] == "mean"
    assert result.metrics["accuracy"] >= 0.9
    assert result.record.extra["pooling"] == "mean" and result.record.extra["train"]["pooling"] == "mean"
    folder = Registry().path(result.model_id)
    assert json.loads((folder / "config.json").read_text())["workbench_pooling"] == "mean"
    assert "mean of the token vectors" in (folder / "README.md").read_text()
    loaded = load_model(result.model_id)
    assert pooling_of(loaded.model) == "mean"
    np.testing.assert_allclose(loaded.logits(TEXTS), seen["logits"], atol=1e-5)


def test_native_pooling_can_be_forced_on_a_mean_pooling_base(mean_base, tmp_path):
    spec = TrainSpec(
        train_data=str(write_sentiment_csv(tmp_path, n=40)),
        base_model=str(mean_base),
        pooling="native",
        epochs=1,
    )
    result = train(spec)
    assert result.record.extra["pooling"] == "native"
    assert pooling_of(load_model(result.model_id).model) == "native"
    assert "workbench_pooling" not in json.loads(
        (Registry().path(result.model_id) / "config.json").read_text()
    )


def test_a_lora_adapter_reloads_with_mean_pooling(mean_base, tmp_path):
    spec = TrainSpec(
        train_data=str(write_sentiment_csv(tmp_path, n=64)),
        base_model=str(mean_base),
        method="lora",
        **{**FAST, "epochs": 2, "learning_rate": 5e-3},
    )
    seen: dict = {}

    def hook(model, tokenizer):
        batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
        with torch.no_grad():
            seen["logits"] = model(**batch).logits.numpy()

    result = train(spec, on_trained=hook)
    assert result.record.adapter is True and result.record.extra["pooling"] == "mean"
    loaded = load_model(result.model_id)
    assert pooling_of(loaded.model) == "mean"
    np.testing.assert_allclose(loaded.logits(TEXTS), seen["logits"], atol=1e-5)


@pytest.mark.parametrize("variant", ["int8", "drop-layers:2"])
def test_variants_keep_mean_pooling(mean_base, tmp_path, variant):
    from workbench.variants import build_variant

    result = train(
        TrainSpec(train_data=str(write_sentiment_csv(tmp_path)), base_model=str(mean_base), name="p", **FAST)
    )
    record = build_variant(result.model_id, variant)  # checks that the saved variant reloads identically
    assert record.extra["pooling"] == "mean"
    loaded = load_model(record.id)
    assert pooling_of(loaded.model) == "mean"
    if variant == "int8":
        parent = load_model(result.model_id).logits(TEXTS)
        assert np.abs(loaded.logits(TEXTS) - parent).max() < 0.1
