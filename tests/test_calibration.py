"""Temperature scaling: fitted after training, stored, reloaded, and used wherever confidence is read."""

from __future__ import annotations

import json

import numpy as np
import pytest
from toy_data import sentiment_frame, write_sentiment_csv

from workbench.evaluation.calibration import (
    SIGMOID,
    SOFTMAX,
    calibrate,
    describe,
    fit_temperature,
    judge,
)
from workbench.inference.predict import MODEL_CACHE, load_model
from workbench.models.registry import Registry
from workbench.tasks import get_task
from workbench.training.spec import TrainSpec
from workbench.training.trainer import train


def calibrated_logits(rows: int = 2000, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose softmax is the true probability of each class (labels are drawn from it)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 2.0, size=(rows, classes))
    probs = SOFTMAX.probabilities(logits)
    targets = np.array([rng.choice(classes, p=p) for p in probs])
    return logits, targets


@pytest.mark.parametrize(("scale", "direction"), [(4.0, "over-confident"), (0.25, "under-confident")])
def test_temperature_undoes_over_and_under_confidence_without_changing_labels(scale, direction):
    logits, targets = calibrated_logits()
    distorted = logits * scale  # the model says more (or less) than it knows
    result = calibrate(SOFTMAX, distorted, targets)
    assert result["temperature"] == pytest.approx(scale, rel=0.15), direction
    assert result["before"]["ece"] > 0.08
    assert result["after"]["ece"] < 0.03 < result["before"]["ece"]
    assert result["after"]["brier"] < result["before"]["brier"]
    scaled = distorted / result["temperature"]
    np.testing.assert_array_equal(scaled.argmax(axis=1), distorted.argmax(axis=1))


def test_sigmoid_temperature_for_multilabel_outputs():
    rng = np.random.default_rng(1)
    logits = rng.normal(0.0, 2.0, size=(1500, 4))
    targets = (rng.random(logits.shape) < SIGMOID.probabilities(logits)).astype(np.float32)
    result = calibrate(SIGMOID, logits * 3.0, targets)
    assert result["temperature"] == pytest.approx(3.0, rel=0.15)
    assert result["after"]["ece"] < result["before"]["ece"] / 3
    np.testing.assert_array_equal(logits * 3.0 / result["temperature"] >= 0, logits >= 0)


def test_a_calibrated_model_keeps_temperature_one_and_few_rows_are_skipped():
    logits, targets = calibrated_logits(seed=2)
    assert fit_temperature(SOFTMAX, logits, targets) == pytest.approx(1.0, abs=0.1)
    skipped = calibrate(SOFTMAX, logits[:5], targets[:5])
    assert skipped == {
        "temperature": 1.0,
        "rows": 5,
        "skipped": "only 5 validation rows; calibration needs at least 10",
    }
    assert describe(skipped) == "calibration skipped: only 5 validation rows; calibration needs at least 10"


def test_reliability_bins_and_ece_by_hand():
    logits = np.log(np.array([[0.85, 0.15], [0.82, 0.18], [0.35, 0.65], [0.58, 0.42]]))
    targets = np.array([0, 1, 1, 0])
    result = judge(SOFTMAX, logits, targets, 1.0)
    filled = {(b["low"], b["high"]): b for b in result["bins"] if b["count"]}
    assert len(result["bins"]) == 10 and sum(b["count"] for b in result["bins"]) == 4
    assert filled[(0.8, 0.9)]["count"] == 2 and filled[(0.8, 0.9)]["accuracy"] == 0.5
    # |0.5 - 0.835| * 2/4 + |1 - 0.65| * 1/4 + |1 - 0.58| * 1/4
    assert result["ece"] == pytest.approx(0.1675 + 0.0875 + 0.105)
    assert result["brier"] == pytest.approx((0.045 + 1.3448 + 0.245 + 0.3528) / 4)


def test_tasks_say_whether_they_have_class_probabilities():
    assert get_task("classification").calibration() is SOFTMAX
    assert get_task("multilabel").calibration() is SIGMOID
    assert get_task("regression").calibration() is None


@pytest.fixture(scope="module")
def under_confident(tiny_bert_dir, tmp_path_factory):
    """A toy model trained with heavy label smoothing: right almost always, yet unsure."""
    folder = tmp_path_factory.mktemp("calib")
    home = folder / "home"
    spec = TrainSpec(
        train_data=str(write_sentiment_csv(folder, n=200)),
        base_model=str(tiny_bert_dir),
        name="unsure",
        epochs=8,
        batch_size=16,
        learning_rate=3e-3,
        warmup_ratio=0.0,
        label_smoothing=0.45,
        val_fraction=0.3,
    )
    result = train(spec, registry=Registry(home))
    return Registry(home), result


def test_training_fits_saves_and_reports_the_temperature(under_confident):
    registry, result = under_confident
    calibration = result.record.extra["calibration"]
    assert calibration["source"] == "fitted" and calibration["rows"] == 60
    assert calibration["temperature"] < 1.0  # under-confident: the logits are sharpened
    assert calibration["after"]["ece"] < calibration["before"]["ece"]
    assert result.metrics["ece"] == pytest.approx(calibration["after"]["ece"])
    assert result.metrics["ece_uncalibrated"] == pytest.approx(calibration["before"]["ece"])
    assert result.metrics["brier"] < result.metrics["brier_uncalibrated"]
    saved = json.loads((registry.path(result.model_id) / "workbench.json").read_text())
    assert saved["extra"]["calibration"]["temperature"] == calibration["temperature"]
    card = (registry.path(result.model_id) / "README.md").read_text()
    assert "## Calibration" in card
    assert (
        f"| Brier score | {calibration['before']['brier']:.4f} | {calibration['after']['brier']:.4f} |"
        in card
    )
    kept = json.loads((registry.path(result.model_id) / "calibration_set.json").read_text())
    assert len(kept["texts"]) == 60 and set(kept["labels"]) == {"neg", "pos"}


def test_reloaded_model_predicts_with_the_temperature_and_the_same_labels(under_confident):
    registry, result = under_confident
    loaded = load_model(result.model_id, registry)
    temperature = result.record.extra["calibration"]["temperature"]
    assert loaded.temperature == temperature
    texts = sentiment_frame(12, seed=5)["text"].tolist()
    raw = loaded.logits(texts, calibrated=False)
    expected = SOFTMAX.probabilities(raw / temperature)
    predictions = loaded.predict(texts)
    assert [p.score for p in predictions] == pytest.approx(expected.max(axis=1).tolist())
    assert [p.label for p in predictions] == [loaded.labels[i] for i in raw.argmax(axis=1)]
    assert min(p.score for p in predictions) > SOFTMAX.probabilities(raw).max(axis=1).max()


def test_review_threshold_reads_the_calibrated_confidence(under_confident, monkeypatch):
    from workbench.inference.checked import predict_checked
    from workbench.safety import load_rules

    registry, result = under_confident
    loaded = load_model(result.model_id, registry)
    texts = sentiment_frame(8, seed=6)["text"].tolist()
    raw_top = SOFTMAX.probabilities(loaded.logits(texts, calibrated=False)).max(axis=1)
    rules = load_rules()
    threshold = rules.get("output.low_confidence").params["threshold"]
    assert (raw_top < threshold + 0.2).all()  # without calibration these would be near the threshold
    checked = predict_checked(loaded, texts, rules=rules)
    assert all(c.prediction.score >= threshold for c in checked)
    assert not any("output.low_confidence" in c.rule_ids() for c in checked)
    uncalibrated = load_model(result.model_id, registry)
    uncalibrated.record.extra["calibration"] = {"temperature": 1.0}
    low = [c for c in predict_checked(uncalibrated, texts, rules=rules) if c.prediction.score < threshold]
    assert all("output.low_confidence" in c.rule_ids() for c in low)


def test_no_calibration_switch_keeps_raw_confidences(tiny_bert_dir, tmp_path):
    spec = TrainSpec(
        train_data=str(write_sentiment_csv(tmp_path, n=80)),
        base_model=str(tiny_bert_dir),
        name="raw",
        epochs=2,
        batch_size=16,
        calibrate=False,
    )
    result = train(spec)
    assert result.record.extra["calibration"] == {
        "temperature": 1.0,
        "skipped": "turned off (--no-calibration)",
    }
    assert "ece_uncalibrated" not in result.metrics
    assert load_model(result.model_id).temperature == 1.0
    MODEL_CACHE.clear()


def test_a_validation_split_without_errors_does_not_push_confidence_to_certainty():
    logits = np.array([[2.0, -2.0], [-1.5, 1.5], [1.0, -1.0]] * 6)  # 18 rows, every one right
    targets = np.array([0, 1, 0] * 6)
    temperature = fit_temperature(SOFTMAX, logits, targets)
    confidence = SOFTMAX.probabilities(logits / temperature).max(axis=1).mean()
    assert temperature < 1.0  # sharper than before, since it was never wrong...
    assert confidence == pytest.approx(19 / 20, abs=0.02)  # ...but no surer than 19 of 20 supports


def test_evaluate_cli_reports_before_and_after_and_draws_the_diagram(toy_model_id, tmp_path, capsys):
    from PIL import Image

    from workbench.cli.main import main

    data = write_sentiment_csv(tmp_path, n=40, seed=3)
    png = tmp_path / "plots" / "reliability.png"
    assert main(["evaluate", toy_model_id, str(data), "--json", "--plot", str(png)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    calibration = out["calibration"]
    temperature = Registry().get(toy_model_id).extra["calibration"]["temperature"]
    assert calibration["temperature"] == temperature and calibration["rows"] == 40
    assert out["metrics"]["ece"] == pytest.approx(calibration["after"]["ece"])
    assert out["metrics"]["ece_uncalibrated"] == pytest.approx(calibration["before"]["ece"])
    assert sum(b["count"] for b in calibration["after"]["bins"]) == 40
    assert Image.open(png).format == "PNG"
    assert main(["evaluate", toy_model_id, str(data), "--plot", str(tmp_path / "r.svg")]) == 2
    assert "--plot writes a PNG: give a file name ending in .png" in capsys.readouterr().err
    assert main(["train", str(data), "--no-calibration", "--model", "nope-model"]) == 2  # flag parses
