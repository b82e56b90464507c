"""split_dataset: stratification, seeds, fallbacks and refusals; write_csv_safe."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest

from workbench.data import ColumnMap, load_dataset, read_table, split_dataset
from workbench.data.export import neutralise_cell, write_csv_safe
from workbench.errors import SpecError


def dataset(n: int = 100, classes=("a", "a", "a", "b"), task="auto", labels=None):
    labels = labels or [classes[i % len(classes)] for i in range(n)]
    return load_dataset(
        pd.DataFrame({"text": [f"t{i}" for i in range(n)], "label": labels}), ColumnMap(), task
    )


def test_stratified_split_keeps_class_shares():
    train, val, test = split_dataset(dataset(200), 0.1, 0.1, seed=1)
    assert (len(train), len(val), len(test)) == (160, 20, 20)
    assert Counter(val.frame["label"]) == {"a": 15, "b": 5} and Counter(test.frame["label"]) == {
        "a": 15,
        "b": 5,
    }
    assert not set(train.texts) & set(val.texts) and not set(val.texts) & set(test.texts)
    assert train.labels == val.labels == ["a", "b"] and train.task == "classification"
    assert train.report.rows_usable == 160 and val.report.labels == {"a": 15, "b": 5}


def test_seed_determinism():
    ds = dataset(100)
    first, second, other = (split_dataset(ds, 0.2, seed=s)[1].texts for s in (7, 7, 8))
    assert first == second and first != other
    train, val, test = split_dataset(ds, 0.2, seed=7)
    assert test is None and train.fingerprint != val.fingerprint != ds.fingerprint
    assert train.fingerprint == split_dataset(ds, 0.2, seed=7)[0].fingerprint


def test_falls_back_to_random_when_a_class_is_too_small():
    ds = dataset(50, labels=["a", "b"] * 24 + ["a", "solo"])
    train, val, _ = split_dataset(ds, 0.2)
    expected = "The validation split is random, not stratified: 1 class with a single example ('solo')."
    assert ds.report.warnings[-1] == expected and val.report.warnings[-1] == expected
    assert len(train) + len(val) == 50


def test_falls_back_when_validation_is_smaller_than_class_count():
    ds = dataset(40, classes=[f"c{i}" for i in range(10)])
    split_dataset(ds, 0.1)
    assert ds.report.warnings[-1] == (
        "The validation split is random, not stratified: 4 held-out rows cannot hold one example of each "
        "of the 10 classes."
    )


def test_regression_and_multilabel_split_randomly():
    reg = dataset(30, labels=[str(i / 3) for i in range(30)])
    train, val, _ = split_dataset(reg, 0.2)
    assert reg.task == "regression" and (len(train), len(val)) == (24, 6) and reg.report.warnings == []
    multi = dataset(30, labels=["a|b", "a", "b"] * 10)
    assert split_dataset(multi, 0.2)[1].frame["label"].map(type).eq(tuple).all()


@pytest.mark.parametrize(
    ("val", "test", "message"),
    [
        (0, 0, "Validation fraction 0 must be between 0 and 1 (e.g. 0.1)."),
        (0.1, 1.5, "Test fraction 1.5 must be 0 (no test set) or between 0 and 1."),
        (0.6, 0.4, "Validation (0.6) and test (0.4) fractions add up to 1, leaving nothing to train on"),
    ],
)
def test_bad_fractions(val, test, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        split_dataset(dataset(20), val, test)


def test_neutralise_cell():
    assert [
        neutralise_cell(v) for v in ["=SUM(A1)", "+1+1", "-2+3", "@cmd", "\tx", "-3.5", "+4", "1e-3", "ok"]
    ] == [
        "'=SUM(A1)",
        "'+1+1",
        "'-2+3",
        "'@cmd",
        "'\tx",
        "-3.5",
        "+4",
        "1e-3",
        "ok",
    ]
    assert neutralise_cell(("a", "b")) == "a|b" and neutralise_cell(None) == ""


def test_write_csv_safe_round_trip(tmp_path):
    frame = pd.DataFrame(
        {"text": ['=HYPERLINK("http://x")', "multi\nline, with comma", "naïve"], "label": [-1.5, 2.0, 3.25]}
    )
    path = write_csv_safe(frame, tmp_path / "out" / "safe.csv")
    back = read_table(path)
    assert back["text"].tolist() == ['\'=HYPERLINK("http://x")', "multi\nline, with comma", "naïve"]
    assert back["label"].tolist() == ["-1.5", "2.0", "3.25"]
    assert (
        write_csv_safe(frame, tmp_path / "bom.csv", excel_bom=True).read_bytes().startswith(b"\xef\xbb\xbf")
    )
