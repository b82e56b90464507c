"""A variant inherits its parent's temperature only after re-checking it on the same validation texts."""

from __future__ import annotations

import pytest

from workbench.evaluation.calibration import SOFTMAX
from workbench.inference.predict import load_model
from workbench.models.registry import Registry
from workbench.variants import build_variant


def test_int8_variant_keeps_the_parents_temperature_after_checking_it(toy_model_id):
    parent = Registry().get(toy_model_id)
    parent_t = parent.extra["calibration"]["temperature"]
    assert parent_t != 1.0
    record = build_variant(toy_model_id, "int8")
    calibration = Registry().get(record.id).extra["calibration"]
    assert calibration["source"] == "inherited"
    assert calibration["temperature"] == parent_t == calibration["parent_temperature"]
    assert calibration["refit_temperature"] == pytest.approx(parent_t, rel=0.05)
    assert calibration["rows"] == parent.extra["calibration"]["rows"]
    assert (Registry().path(record.id) / "calibration_set.json").is_file()
    assert "the parent's temperature, re-checked" in (Registry().path(record.id) / "README.md").read_text()
    loaded = load_model(record.id)
    raw = loaded.logits(["the movie was wonderful"])
    assert loaded.predict(["the movie was wonderful"])[0].score == pytest.approx(
        SOFTMAX.probabilities(raw / parent_t).max()
    )


def test_a_variant_whose_confidence_moved_gets_its_own_temperature(toy_model_id):
    record = build_variant(toy_model_id, "drop-layers:1")
    calibration = Registry().get(record.id).extra["calibration"]
    parent_t = calibration["parent_temperature"]
    refit = calibration["refit_temperature"]
    if abs(refit - parent_t) <= 0.05 * parent_t:
        pytest.fail(f"dropping 3 of 4 layers left the temperature at {refit} (parent {parent_t})")
    assert calibration["source"] == "refit" and calibration["temperature"] == refit
    assert calibration["after"]["ece"] <= calibration["before"]["ece"] + 1e-9


def test_a_variant_of_an_uncalibrated_model_says_why_it_is_not_calibrated(toy_model_id):
    registry = Registry()
    parent = registry.get(toy_model_id)
    parent.extra["calibration"] = {"temperature": 1.0, "skipped": "turned off (--no-calibration)"}
    registry.update(parent)
    record = build_variant(toy_model_id, "int8")
    assert Registry().get(record.id).extra["calibration"] == {
        "temperature": 1.0,
        "skipped": "the parent is not calibrated: turned off (--no-calibration)",
    }
