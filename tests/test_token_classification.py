"""Token classification end to end on tiny models: first-sub-token alignment against hand-worked
examples, training from a CoNLL file, the CoNLL report, and entity spans over the original text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from workbench.cli.main import main
from workbench.evaluation.ner_metrics import ner_metrics
from workbench.inference.entities import encode_words, first_subtokens, predict_entities, words_of_text

PEOPLE = ["ada", "bob", "carl", "dora"]
PLACES = ["paris", "berlin", "rome", "oslo"]
FILLER = ["the", "movie", "was", "great", "and", "my", "bank", "card"]


@pytest.fixture(scope="module")
def tokenizer():
    from tiny_models import train_tokenizer

    return train_tokenizer(["ada went to paris"])


def tokens_of(tokenizer, feature) -> list[str]:
    return tokenizer.convert_ids_to_tokens(feature["input_ids"])


def test_first_subtoken_labels_multi_subtoken_words_cjk_and_punctuation(tokenizer):
    # "wentzz" -> went ##z ##z (3 sub-tokens), "東京" -> two CJK tokens, "," one punctuation token
    (feature,) = encode_words(tokenizer, [["Ada", "wentzz", "東京", ",", "x"]], 64, [[1, 0, 2, 0, 0]])
    assert tokens_of(tokenizer, feature) == [
        "[CLS]", "ada", "went", "##z", "##z", "[UNK]", "[UNK]", ",", "x", "[SEP]",
    ]  # fmt: skip
    assert feature["labels"] == [-100, 1, 0, -100, -100, 2, -100, 0, 0, -100]


def test_windows_label_each_word_once_where_it_starts(tokenizer):
    features = encode_words(tokenizer, [["Ada", "wentzz", "東京", ",", "x"]], 6, [[1, 0, 2, 0, 0]])
    assert [tokens_of(tokenizer, f) for f in features] == [
        ["[CLS]", "ada", "went", "##z", "##z", "[SEP]"],
        ["[CLS]", "##z", "[UNK]", "[UNK]", ",", "[SEP]"],
        ["[CLS]", ",", "x", "[SEP]"],
    ]
    # the second window opens inside "wentzz": its "##z" is not a first sub-token
    assert [f["labels"] for f in features] == [
        [-100, 1, 0, -100, -100, -100],
        [-100, -100, 2, -100, 0, -100],
        [-100, 0, 0, -100],
    ]


def test_first_subtokens_uses_the_offset_only_at_a_window_start():
    assert first_subtokens([None, 3, 3, 4, None], [(0, 0), (2, 3), (3, 4), (0, 1), (0, 0)]) == [
        False, False, False, True, False,
    ]  # fmt: skip
    assert first_subtokens([None, 3, 3, 4], [(0, 0), (0, 2), (2, 3), (0, 1)]) == [False, True, False, True]


def test_seqeval_figures_match_a_hand_computed_example():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O", "B-PER"]]
    pred = [["B-PER", "I-PER", "O", "B-PER"], ["B-LOC", "O", "O"]]
    metrics, details = ner_metrics(gold, pred, [["Ada", "Love", "in", "Rome"], ["Oslo", "and", "Bob"]])
    # gold: PER(0-2) LOC(3) | LOC(0) PER(2) = 4; predicted: PER(0-2) PER(3) | LOC(0) = 3; correct 2
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(2 / 4)
    assert metrics["f1"] == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    per = details["entity_report"]
    assert (per["PER"]["precision"], per["PER"]["recall"], per["PER"]["support"]) == (0.5, 0.5, 2)
    assert (per["LOC"]["precision"], per["LOC"]["recall"]) == (1.0, 0.5)
    assert per["macro avg"]["f1-score"] == pytest.approx((0.5 + 2 / 3) / 2)
    assert metrics["token_accuracy"] == pytest.approx(5 / 7)
    # B-PER predicted on 2 words (one right), gold on 2 words
    assert details["token_report"]["B-PER"]["precision"] == 0.5
    assert details["token_report"]["B-PER"]["recall"] == 0.5
    assert details["type_confusion"] == [{"gold": "LOC", "predicted": "PER", "count": 1}]
    assert {(m["text"], m["label"]) for m in details["missed"]} == {("Rome", "LOC"), ("Bob", "PER")}
    assert details["spurious"] == [{"text": "Rome", "label": "PER", "count": 1}]


def toy_sentences(n: int, seed: int) -> list[tuple[list[str], list[str]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        person, place = rng.choice(PEOPLE), rng.choice(PLACES)
        words = [*rng.sample(FILLER, 2), person, "went", "to", place, *rng.sample(FILLER, 1)]
        tags = ["O", "O", "B-person", "O", "O", "B-location", "O"]
        if rng.random() < 0.5:
            words, tags = [*words, "with", person, "love"], [*tags, "O", "B-person", "I-person"]
        out.append((words, tags))
    return out


def write_conll(path: Path, sentences: list[tuple[list[str], list[str]]]) -> Path:
    blocks = ["\n".join(f"{w}\t{t}" for w, t in zip(words, tags, strict=True)) for words, tags in sentences]
    path.write_text("\n\t\n".join(blocks) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ner_base(tmp_path_factory) -> Path:
    from tiny_models import make_tiny_bert

    words = " ".join(PEOPLE + PLACES + FILLER + ["went", "to", "with", "love"])
    return make_tiny_bert(tmp_path_factory.mktemp("ner-base") / "model", texts=[words])


@pytest.fixture(scope="module")
def ner_model(tmp_path_factory, ner_base):
    """A tiny BERT trained once, through ``workbench train``, on toy CoNLL data; returns (workspace,
    result with ``model_id`` and ``metrics``, data folder)."""
    from types import SimpleNamespace

    from workbench.models.registry import Registry

    data = tmp_path_factory.mktemp("ner-data")
    base = ner_base
    train_file = write_conll(data / "train.conll", toy_sentences(160, 0))
    write_conll(data / "test.conll", toy_sentences(40, 1))
    home = tmp_path_factory.mktemp("ner-home")
    args = ["train", str(train_file), "--model", str(base), "--name", "toy-ner", "--epochs", "10"]
    args += ["--batch-size", "16", "--lr", "3e-3", "--warmup-ratio", "0", "--task", "token-classification"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_HOME", str(home))
        assert main(args) == 0
    record = Registry(home).get("toy-ner")
    return home, SimpleNamespace(model_id=record.id, metrics=record.metrics), data


def test_training_detects_the_task_and_records_the_alignment(ner_model):
    from workbench.models.registry import Registry

    home, result, _ = ner_model
    record = Registry(home).get(result.model_id)
    assert record.task == "token-classification"
    assert record.labels == ["O", "B-location", "I-location", "B-person", "I-person"]
    assert record.extra["label_alignment"] == "first-sub-token"
    assert result.metrics["f1"] > 0.9, result.metrics


def test_evaluate_prints_the_conll_report_and_json(ner_model, monkeypatch, capsys):
    home, result, data = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    assert main(["evaluate", result.model_id, str(data / "test.conll")]) == 0
    out = capsys.readouterr().out
    assert "entity-level (seqeval, exact span and type)" in out
    assert "   entity  precision    recall  f1-score   support" in out
    assert "      tag  precision    recall  f1-score   support" in out
    assert "micro avg" in out and "weighted avg" in out
    assert main(["evaluate", result.model_id, str(data / "test.conll"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert payload["metrics"]["f1"] > 0.9
    assert set(payload["entity_report"]) >= {"location", "person", "micro avg", "macro avg"}
    assert "B-person" in payload["token_report"]


def test_entity_offsets_match_the_original_text(ner_model, monkeypatch):
    from workbench.models.registry import Registry

    home, result, _ = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    texts = ["the movie  ada went to PARIS, my card", "Bob went to Oslo!\tand  dora went to rome", ""]
    found = predict_entities(result.model_id, texts)
    assert len(found) == 3 and found[2] == []
    for text, entities in zip(texts, found, strict=True):
        for entity in entities:
            assert entity["text"] == text[entity["start"] : entity["end"]]
            assert 0 < entity["score"] <= 1
    assert [(e["text"], e["label"]) for e in found[0]] == [("ada", "person"), ("PARIS", "location")]
    pre = predict_entities(result.model_id, [["the", "bank", "bob", "went", "to", "rome"]])
    assert [(e["start"], e["end"], e["label"]) for e in pre[0]] == [(9, 12, "person"), (21, 25, "location")]
    assert Registry(home).get(result.model_id).task == "token-classification"


def test_long_texts_are_predicted_in_overlapping_windows(ner_model, monkeypatch):
    from workbench.inference.entities import word_probabilities
    from workbench.inference.predict import MODEL_CACHE

    home, result, _ = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    loaded = MODEL_CACHE.get(result.model_id)
    text = "my card ada went to paris and " * 40  # 280 words, far beyond the tiny model's 64 positions
    words = words_of_text(loaded.tokenizer, text)
    assert len(encode_words(loaded.tokenizer, [words.words], loaded.record.max_length)) > 4
    (probabilities,) = word_probabilities(loaded, [words.words])
    assert probabilities.shape == (280, len(loaded.labels))
    assert probabilities.max(axis=1).max() < 1.0  # every word got the model's prediction, none the default
    (entities,) = predict_entities(loaded, [text])
    assert entities and all(e["text"] == text[e["start"] : e["end"]] for e in entities)
    assert entities[-1]["start"] > 200


def test_predict_cli_writes_entity_spans(ner_model, monkeypatch, tmp_path):
    import pandas as pd

    home, result, _ = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    source = tmp_path / "in.csv"
    source.write_text("text\nmy card ada went to rome\nnothing here\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["predict", result.model_id, str(source), "-o", str(out)]) == 0
    frame = pd.read_csv(out)
    first = json.loads(frame["entities"][0])
    assert [(e["text"], e["label"], e["start"], e["end"]) for e in first] == [
        ("ada", "person", 8, 11),
        ("rome", "location", 20, 24),
    ]
    assert frame["pred_label"][0] == "location|person"
    assert not any(c.startswith("prob_") for c in frame.columns)


def test_words_of_text_keep_original_offsets(tokenizer):
    words = words_of_text(tokenizer, "Hi  @ada, 東京!")
    assert [words.text[s:e] for s, e in words.offsets] == words.words
    assert words.words == ["Hi", "@", "ada", ",", "東京", "!"]
    assert np.all(np.diff([s for s, _ in words.offsets]) > 0)


def test_variants_compare_measures_entity_f1(ner_model, monkeypatch):
    from workbench.data import ColumnMap
    from workbench.evaluation.evaluate import evaluate
    from workbench.variants import build_variant, compare_models

    home, result, data = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    build_variant(result.model_id, "drop-layers:2+int8")
    table = compare_models(
        result.model_id,
        "all",
        data / "test.conll",
        ColumnMap(),
        rounds=1,
        latency_rows=3,
        threads=1,
        memory=False,
    )
    assert table["variant"].tolist() == ["original", "drop-layers:2", "drop-layers:2+int8"]
    assert set(table["metric"]) == {"f1"}
    reference = table.iloc[0]
    assert (
        reference["metric_value"] == evaluate(result.model_id, data / "test.conll", ColumnMap()).metrics["f1"]
    )
    assert (reference["agreement"], reference["metric_delta"]) == (1.0, 0.0)
    assert (table["throughput_rps"] > 0).all() and table["agreement"].between(0, 1).all()


def test_explain_one_entity_with_shap(ner_model, monkeypatch):
    from explain.entities import explain_entity
    from explain.spec import ExplainSpec

    home, result, _ = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    text = "the movie ada went to paris and"
    explanation = explain_entity(result.model_id, text, 1, ExplainSpec(max_evals=60, use_cache=False))
    entity = explanation.settings["entity"]
    assert (entity["text"], entity["label"]) == ("paris", "location")
    assert explanation.output_names == ["B-location"] and explanation.prediction == "location"
    assert "".join(explanation.tokens).strip() == text
    # SHAP's additivity: base value + attributions = the explained output (log-odds of B-location)
    assert explanation.base_values[0] + explanation.values[:, 0].sum() == pytest.approx(
        explanation.outputs[0], abs=1e-4
    )
    shap_values = explanation.to_shap()
    assert shap_values.values.shape == (1, len(explanation.tokens), 1)
    with pytest.raises(
        Exception, match=r"Entity 5 does not exist; the text's entities are 0: 'ada' \(person\)"
    ):
        explain_entity(result.model_id, text, 5)


def test_explain_cli_explains_the_chosen_entity(ner_model, monkeypatch, capsys):
    home, result, _ = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    text = "the movie ada went to paris and"
    assert main(["explain", result.model_id, text, "--entity", "0", "--max-evals", "40", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert payload["label"] == "B-person"
    assert any("Explains the entity 'ada' (characters 10-13, person)" in n for n in payload["notes"])


def test_explain_page_highlights_entities_and_explains_the_chosen_one(ner_model, monkeypatch):
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "ui"))
    from ui_helpers import open_page

    home, result, _ = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    at = open_page("pages/explain.py", active_model=result.model_id)
    at.selectbox(key="explain.model").set_value(result.model_id).run()
    at.text_area(key="explain.text").input("the movie ada went to paris and").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(element.proto.body for element in at.get("html"))
    assert ">ada <small" in shown and ">paris <small" in shown
    options = at.selectbox(key="explain.entity").options
    assert len(options) == 2 and options[0].startswith("ada (person, ")
    assert any("Explains the entity 'ada'" in c.value for c in at.caption)


def test_onnx_int8_variant_predicts_the_same_entities(ner_model, monkeypatch):
    pytest.importorskip("onnxruntime")
    from workbench.variants import build_variant

    home, result, _ = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    record = build_variant(result.model_id, "onnx-int8")
    text = "the movie ada went to paris and"
    original, variant = predict_entities(result.model_id, [text])[0], predict_entities(record.id, [text])[0]
    assert [(e["start"], e["end"], e["label"]) for e in variant] == [
        (e["start"], e["end"], e["label"]) for e in original
    ]


@pytest.mark.parametrize(("method", "adapter"), [("lora", True), ("head", False)])
def test_lora_and_head_methods_train_and_reload_a_token_model(ner_base, tmp_path, method, adapter):
    from workbench.models.registry import Registry
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    train_file = write_conll(tmp_path / "train.conll", toy_sentences(40, 2))
    spec = TrainSpec(
        train_data=str(train_file), base_model=str(ner_base), method=method, epochs=1, batch_size=16
    )
    result = train(spec)
    record = Registry().get(result.model_id)
    assert (record.task, record.adapter, record.method) == ("token-classification", adapter, method)
    assert set(result.metrics) >= {"f1", "precision", "recall", "token_accuracy"}
    (entities,) = predict_entities(result.model_id, ["the movie ada went to paris and"])
    assert all(e["label"] in ("person", "location") for e in entities)


def test_an_entity_rule_masks_a_person_name(ner_model, monkeypatch):
    """The safety engine's ``detector: entities`` rule with a NER model (issue 23 builds on issue 20)."""
    from workbench.safety import scan
    from workbench.safety.rules import rules_from_yaml

    home, result, _ = ner_model
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    rules = rules_from_yaml(
        f"rules:\n  - {{id: names, detector: entities, model: {result.model_id}, types: [person], min_score: 0.3, "
        "action: mask}\n"
    )
    text = "the movie bob went to rome"
    assert [e["text"] for e in predict_entities(result.model_id, [text])[0]] == ["bob", "rome"]
    outcome = scan(text, rules=rules)
    assert [(h.rule, text[h.start : h.end]) for h in outcome.hits] == [("names", "bob")]
    assert "bob" not in outcome.masked_text and "rome" in outcome.masked_text
