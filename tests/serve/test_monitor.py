"""Monitoring: drift statistics, traffic from the request log, alerts in /v1/models/{name}/health."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from serve_helpers import make_client

from workbench.errors import SpecError
from workbench.evaluation.drift import confidence_drift, label_drift, length_check, vocabulary_check
from workbench.evaluation.reference_profile import PROFILE_FILE, profile_for, read_profile
from workbench.models.registry import Registry
from workbench.serve.monitor.report import MonitorSpec, build_report

NEW_WORDS = ["refund", "invoice", "chargeback", "shipping", "password", "account", "login", "delivery"]


def synthetic_validation(n: int = 600, seed: int = 0) -> tuple[list[str], list[float]]:
    rng = np.random.default_rng(seed)
    labels = rng.choice(["pos", "neg", "neutral"], size=n, p=[0.45, 0.45, 0.10]).tolist()
    confidences = np.clip(rng.beta(8, 2, size=n), 0.34, 1.0).tolist()
    return labels, confidences


def test_resamples_of_the_validation_predictions_stay_quiet():
    labels, confidences = synthetic_validation()
    counts = {k: labels.count(k) for k in set(labels)}
    rng = np.random.default_rng(1)
    for size in (40, 200, 500):
        for _ in range(5):
            rows = rng.integers(0, len(labels), size=size)
            assert not label_drift(counts, [labels[i] for i in rows]).drifted
            assert not confidence_drift(confidences, [confidences[i] for i in rows]).drifted


def test_a_shift_in_labels_or_confidence_is_detected_with_its_threshold():
    labels, confidences = synthetic_validation()
    counts = {k: labels.count(k) for k in set(labels)}
    rng = np.random.default_rng(2)
    shifted_labels = rng.choice(["pos", "neg", "neutral"], size=200, p=[0.15, 0.70, 0.15]).tolist()
    check = label_drift(counts, shifted_labels)
    assert check.drifted and check.statistic == "PSI" and check.value > check.threshold >= 0.2
    assert "JS distance" in check.detail and "neg: 4" in check.detail
    unsure = np.clip(rng.beta(4, 3, size=200), 0.34, 1.0).tolist()  # the model got less sure
    assert confidence_drift(confidences, unsure).drifted
    unseen = label_drift(counts, ["pos"] * 150 + ["spam"] * 50)  # a label validation never produced
    assert unseen.drifted and "spam: 0% → 25%" in unseen.detail


def test_long_inputs_and_unseen_words_are_shares_against_their_thresholds():
    vocabulary = {"the", "film", "was", "great", "awful"}
    assert not vocabulary_check(["the film was great"] * 10, vocabulary, 0.0, 0.1).drifted
    check = vocabulary_check(["my refund for the [EMAIL] invoice"] * 10, vocabulary, 0.0, 0.1)
    assert check.drifted and check.value == pytest.approx(4 / 5)  # "[EMAIL]" is no word; "the" is known
    long = length_check(["short"] * 18 + ["x" * 500] * 2, max_chars=40, allowed_share=0.05)
    assert long.drifted and long.value == 0.1 and "2 of 20 texts longer than 40" in long.detail


def test_training_stores_the_validation_predictions(toy_model_id):
    profile = read_profile(Registry().path(toy_model_id))
    assert profile is not None and profile.source == "training"
    assert set(profile.label_counts) <= {"pos", "neg"} and sum(profile.label_counts.values()) == profile.rows
    assert len(profile.confidences) == profile.rows and {"wonderful", "boring"} <= profile.vocabulary


def test_an_older_model_gets_its_profile_on_demand(toy_model_id):
    folder = Registry().path(toy_model_id)
    stored = read_profile(folder)
    (folder / PROFILE_FILE).unlink()
    profile = profile_for(toy_model_id)
    assert profile.source.startswith("on demand") and profile.vocabulary_source == "validation texts"
    assert profile.label_counts == stored.label_counts and (folder / PROFILE_FILE).is_file()
    (folder / PROFILE_FILE).unlink()
    (folder / "calibration_set.json").unlink()
    with pytest.raises(Exception, match="has no validation predictions to compare traffic with"):
        profile_for(toy_model_id)


def _validation_texts(model_id: str) -> list[str]:
    return json.loads((Registry().path(model_id) / "calibration_set.json").read_text())["texts"]


def _post_all(client, texts: list[str], size: int = 8) -> None:
    for i in range(0, len(texts), size):
        assert client.post("/v1/models/toy/predict", json={"texts": texts[i : i + size]}).status_code == 200


def test_health_is_quiet_on_resampled_validation_traffic_and_alerts_on_a_shift(client, deployed):
    rng = random.Random(3)
    texts = _validation_texts(deployed)
    _post_all(client, [rng.choice(texts) for _ in range(80)])
    health = client.get("/v1/models/toy/health").json()
    assert health == {
        "deployment": "toy", "version": deployed, "status": "ok", "alerts": [], "window_rows": 80, "notes": [],
    }  # fmt: skip

    from toy_data import sentiment_frame

    frame = sentiment_frame(240, seed=7)
    negatives = frame[frame["label"] == "neg"]["text"].tolist()  # a prior shift: only complaints now
    _post_all(client, negatives)
    client.app.state.serve.log.flush()
    labels = build_report("toy", MonitorSpec(window=len(negatives))).drift[0]
    assert labels.check == "predicted labels" and labels.drifted and labels.value > labels.threshold >= 0.2
    new_topics = [f"awful {' '.join(rng.sample(NEW_WORDS, 6))}" for _ in range(40)]  # words never trained on
    _post_all(client, new_topics)
    health = client.get("/v1/models/toy/health").json()
    assert health["status"] == "alert" and health["window_rows"] == 240
    reasons = {a["check"]: a["reason"] for a in health["alerts"]}
    assert {"unseen-vocabulary words", "inputs longer than the training texts"} <= set(reasons)
    assert "> threshold 0.1" in reasons["unseen-vocabulary words"]


def test_report_counts_requests_errors_rate_limits_and_safety_hits(deployed):
    from workbench.serve.keys import KeyStore

    _, secret = KeyStore().add("tight", scopes="predict", rate="3/minute")
    with make_client() as client:
        auth = {"Authorization": f"Bearer {secret}"}
        statuses = [
            client.post(
                "/v1/models/toy/predict", json={"texts": ["mail jane@example.com", "good"]}, headers=auth
            ).status_code
            for _ in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]
        assert client.post("/v1/models/toy/predict", json={"texts": ["x"]}).status_code == 401
        client.app.state.serve.log.flush()
    report = build_report("toy")
    traffic = report.traffic
    assert (traffic.requests, traffic.texts, traffic.rate_limited) == (6, 6, 2)
    assert traffic.by_status == {"200": 3, "401": 1, "429": 2}
    assert traffic.errors == 2 and traffic.error_rate == pytest.approx(2 / 6, abs=1e-4)
    assert traffic.safety_hits == {"email": 3}
    assert traffic.cache_hit_rate == pytest.approx(4 / 6, abs=1e-4)  # texts 2 and 3 of each request
    assert sum(b.requests for b in traffic.buckets) == 6 and traffic.p50_ms is not None
    assert report.alerts == []  # 6 requests: too few to judge the error rate (min 20)
    strict = build_report("toy", MonitorSpec(min_requests=5))
    assert [a.check for a in strict.alerts] == ["error rate"]
    assert "error rate 33.3% > threshold 5%: 2 of 6 requests" in strict.alerts[0].reason


def test_monitor_settings_say_what_is_wrong():
    with pytest.raises(
        SpecError, match=r"window must be at least 1, got 0; max-error-rate must be between 0 and 1"
    ):
        MonitorSpec(window=0, max_error_rate=2)


def test_monitor_cli_prints_traffic_drift_and_alerts(client, deployed, capsys):
    from workbench.cli.main import main

    texts = _validation_texts(deployed)
    _post_all(client, [texts[i % len(texts)] for i in range(40)])
    client.app.state.serve.log.flush()
    assert main(["monitor", "toy"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"toy → {deployed}: OK\ntraffic: 5 requests, 40 texts answered")
    assert "drift: last 40 predictions vs" in out and "predicted labels" in out and "alerts: none" in out
    assert main(["monitor", "toy", "--json", "--window", "10", "--min-rows", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["window_rows"] == 10 and report["status"] == "ok" and report["rollout"] is None
    assert {d["check"] for d in report["drift"]} >= {"predicted labels", "confidence"}
    assert main(["monitor", "nope"]) == 2
    assert "No deployment named 'nope'" in capsys.readouterr().err
