"""check_frame / check_data / load_dataset: task detection and every rule with its exact message."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from workbench.data import (
    ColumnMap,
    PreprocessSpec,
    check_data,
    check_frame,
    detect_task,
    load_dataset,
)
from workbench.data.rules import MIN_ROWS_TO_SPLIT
from workbench.errors import DataError, SpecError

NOTE = "row numbers as in a spreadsheet: header = row 1"


def frame_of(texts, labels, **extra) -> pd.DataFrame:
    return pd.DataFrame({"text": texts, "label": labels, **extra})


def balanced(n: int = 12, classes=("pos", "neg")) -> pd.DataFrame:
    return frame_of([f"text number {i}" for i in range(n)], [classes[i % len(classes)] for i in range(n)])


@pytest.mark.parametrize(
    ("labels", "task"),
    [
        (["pos", "neg"], "classification"),
        (["0", "1", "2", "10"], "classification"),
        (["1.0", "2.0"], "classification"),
        (["0.5", "3", "-1.25"], "regression"),
        (["a|b", "c"], "multilabel"),
        (["", "  "], "classification"),
        (["1.5", "inf"], "classification"),
    ],
)
def test_detect_task(labels, task):
    assert detect_task(pd.Series(labels)) == task


def test_clean_frame_reports_counts():
    report, canonical = check_frame(balanced(), ColumnMap(), source="f.csv")
    assert report.ok and report.warnings == []
    assert (report.rows_read, report.rows_usable, report.task) == (12, 12, "classification")
    assert report.labels == {"neg": 6, "pos": 6}
    assert canonical.columns.tolist() == ["text", "label", "row"]
    assert canonical["row"].tolist()[:3] == [2, 3, 4]


def test_missing_columns_are_all_named_with_suggestions():
    frame = pd.DataFrame({"Text": ["a"], "category": ["b"]})
    report, _ = check_frame(frame, ColumnMap(text="text", label="categroy", text_pair="q2"), source="f.csv")
    assert report.errors == [
        "Column 'text' (text column) not found in f.csv. Columns in the file: 'Text', 'category'. "
        "Did you mean 'Text'? Choose one of the file's columns as the text column.",
        "Column 'q2' (second text column) not found in f.csv. Columns in the file: 'Text', 'category'. "
        "Choose one of the file's columns as the second text column.",
        "Column 'categroy' (label column) not found in f.csv. Columns in the file: 'Text', 'category'. "
        "Did you mean 'category'? Choose one of the file's columns as the label column.",
    ]


def test_unknown_task():
    report, _ = check_frame(balanced(), ColumnMap(), "sentiment")
    assert report.errors == [
        "Unknown task 'sentiment': choose one of 'auto', 'classification', 'multilabel', 'regression'."
    ]


def test_dropped_rows_are_counted_with_row_numbers():
    frame = balanced(14)
    frame.loc[[1, 4], "text"] = "  "
    frame.loc[6, "label"] = ""
    frame.loc[9, ["text", "label"]] = ""  # wholly blank row: dropped silently
    report, canonical = check_frame(frame, ColumnMap(), source="f.csv")
    assert report.warnings == [
        f"Dropped 2 rows with an empty text: rows 3, 6 ({NOTE}).",
        f"Dropped 1 row with an empty label: row 8 ({NOTE}).",
    ]
    assert report.rows_usable == 10 and 11 not in canonical["row"].tolist()


def test_no_usable_rows():
    report, _ = check_frame(frame_of(["a", ""], ["", "b"]), ColumnMap(), source="f.csv")
    assert (
        "No usable rows in f.csv: all 2 rows lack a text or a label. Check that the right columns are selected."
        in report.errors
    )
    report, _ = check_frame(frame_of([], []), ColumnMap(), source="f.csv")
    assert report.errors == ["No data rows in f.csv: it has a header but nothing below it. Add rows."]


def test_single_class():
    report, _ = check_frame(balanced(12, ("pos",)), ColumnMap(), source="f.csv")
    assert report.errors == [
        "Only one class in column 'label': 'pos' (12 rows). A classifier needs at least 2 classes; add "
        "examples of the other classes or check the label column."
    ]


def test_too_few_rows_to_split():
    report, _ = check_frame(balanced(MIN_ROWS_TO_SPLIT - 1), ColumnMap(), source="f.csv")
    assert report.errors == [
        "Only 9 usable rows in f.csv: at least 10 are needed to train and hold out a validation set. "
        "Add rows, or give a separate evaluation file."
    ]
    report, _ = check_frame(balanced(MIN_ROWS_TO_SPLIT - 1), ColumnMap(), source="f.csv", needs_split=False)
    assert report.ok


def test_too_few_rows_per_class():
    report, _ = check_frame(balanced(10, [f"c{i}" for i in range(6)]), ColumnMap(), source="f.csv")
    assert report.errors == [
        "Only 10 usable rows for 6 classes in f.csv: at least 2 per class (12 rows) are needed to split into "
        "training and validation sets. Add rows or merge rare classes."
    ]


def test_rare_classes_warning():
    frame = pd.concat([balanced(12), frame_of(["odd one", "odd two"], ["rare", "alone"])], ignore_index=True)
    report, _ = check_frame(frame, ColumnMap())
    assert report.warnings == [
        "Classes with fewer than 2 examples (they cannot be stratified across training/validation splits): "
        "'alone' (1 row), 'rare' (1 row). Add examples or merge them with another class."
    ]


def test_explicit_regression_needs_numbers():
    frame = frame_of([f"t{i}" for i in range(12)], ["1.5"] * 10 + ["high", "n/a"])
    report, _ = check_frame(frame, ColumnMap(), "regression")
    assert report.errors == [
        f"Task 'regression' needs numeric labels, but 2 rows hold something else: rows 12, 13 ({NOTE}), "
        "e.g. 'high'. Fix those labels or choose the task 'classification'."
    ]


def test_regression_and_multilabel_canonical_labels():
    report, canonical = check_frame(
        frame_of([f"t{i}" for i in range(10)], [str(i / 4) for i in range(10)]), ColumnMap()
    )
    assert report.task == "regression" and canonical["label"].tolist()[:3] == [0.0, 0.25, 0.5]
    labels = ["b|a", "a", "c| a |a"] * 4
    report, canonical = check_frame(frame_of([f"t{i}" for i in range(12)], labels), ColumnMap())
    assert report.task == "multilabel" and canonical["label"].tolist()[:3] == [("a", "b"), ("a",), ("a", "c")]
    assert report.labels == {"a": 12, "b": 4, "c": 4}


def test_conflicting_duplicates():
    frame = pd.concat(
        [balanced(12), frame_of(["text number 0", "text number 1"], ["neg", "neg"])], ignore_index=True
    )
    report, _ = check_frame(frame, ColumnMap())
    assert report.warnings == [
        "Conflicting labels for 1 text (same text, different labels), e.g. 'text number 0' labelled 'pos' "
        f"(row 2) and 'neg' (row 14; {NOTE}). The model cannot learn both; fix or remove the conflicting rows."
    ]


def test_long_texts_warning():
    from tiny_models import train_tokenizer

    tokenizer = train_tokenizer()  # the tiny models' WordPiece tokenizer, without building a model
    frame = balanced(12)
    frame.loc[3, "text"] = "the movie was great " * 20
    report, _ = check_frame(frame, ColumnMap(), tokenizer=tokenizer, max_length=16)
    assert report.warnings == [
        f"1 text longer than the model's limit of 16 tokens (longest: 82 tokens, row 5; {NOTE}) "
        "will be truncated to 16 tokens."
    ]


def test_texts_the_model_cannot_read_are_named():
    from tiny_models import train_tokenizer

    tokenizer = train_tokenizer()  # an English WordPiece vocabulary: Chinese characters are [UNK] to it
    frame = balanced(12)
    frame.loc[4, "text"] = "这部电影很无聊"
    frame.loc[7, "text"] = "演员都很棒"
    report, _ = check_frame(frame, ColumnMap(), tokenizer=tokenizer)
    assert report.warnings == [
        "2 texts the model cannot read: more than 30% of their tokens are unknown to its vocabulary (e.g. "
        f"'这部电影很无聊', row 6; {NOTE}). It cannot learn from them: choose a base model whose vocabulary "
        "covers their language (a multilingual one for Chinese)."
    ]
    assert check_frame(balanced(12), ColumnMap(), tokenizer=tokenizer)[0].warnings == []


def test_leakage_warning():
    report, _ = check_frame(balanced(12), ColumnMap(), eval_texts={"text number 3", "elsewhere"})
    assert report.warnings == [
        f"1 text of this file also appears in the eval file (e.g. 'text number 3', row 5; {NOTE}): "
        "evaluation scores would be too optimistic. Remove them from one of the files."
    ]


def test_all_problems_reported_at_once(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\n" + "".join(f"t{i},a\n" for i in range(5)) + ",b\n")
    report = check_data(path, ColumnMap())
    assert len(report.errors) == 2 and len(report.warnings) == 1
    assert report.errors[0].startswith("Only one class") and report.errors[1].startswith("Only 5 usable rows")


def test_check_data_never_raises(tmp_path):
    report = check_data(tmp_path / "missing.csv", ColumnMap(), eval_path=tmp_path / "gone.csv")
    assert not report.ok
    assert report.errors[0].startswith("Data file not found")
    assert report.errors[1].startswith("Eval file: Data file not found")


def test_check_data_leakage_from_eval_file(tmp_path):
    train, dev = tmp_path / "train.csv", tmp_path / "dev.csv"
    balanced(12).to_csv(train, index=False)
    frame_of(["text number 1", "text number 2", "new"], ["x", "y", "z"]).to_csv(dev, index=False)
    report = check_data(train, ColumnMap(), eval_path=dev)
    assert report.ok and report.warnings[0].startswith("2 texts of this file also appear in the eval file")


def test_load_dataset_sorts_integer_labels_numerically():
    frame = frame_of([f"t{i}" for i in range(12)], ["10", "2", "1", "0"] * 3)
    ds = load_dataset(frame, ColumnMap())
    assert ds.labels == ["0", "1", "2", "10"] and ds.task == "classification"
    assert ds.frame["label"].tolist()[:2] == ["10", "2"] and len(ds) == 12


def test_load_dataset_raises_with_all_problems():
    frame = pd.DataFrame({"body": ["a"], "y": ["b"]})
    with pytest.raises(
        DataError, match=r"The data cannot be used: 2 problems, first: Column 'text'"
    ) as caught:
        load_dataset(frame, ColumnMap())
    assert len(caught.value.problems) == 2


def test_known_labels_reject_others_and_keep_model_order():
    frame = frame_of(["a", "b", "c", "d"], ["pos", "meh", "pos", "bad"])
    with pytest.raises(DataError) as caught:
        load_dataset(frame, ColumnMap(), labels=["pos", "neg"])
    assert caught.value.problems == [
        "2 labels in the data not known to the model: 'bad' (row 5), 'meh' (row 3) "
        f"({NOTE}). The model was trained on: 'pos', 'neg'. Fix those labels, or train a model on data that has them."
    ]
    ds = load_dataset(frame_of(["a", "b"], ["pos", "pos"]), ColumnMap(), labels=["pos", "neg"])
    assert ds.labels == ["pos", "neg"]  # a one-class evaluation file is fine


def test_prediction_file_without_labels():
    ds = load_dataset(pd.DataFrame({"text": ["a", "b"]}), ColumnMap(), require_labels=False)
    assert not ds.has_labels and ds.texts == ["a", "b"] and ds.report.task is None


def test_text_pairs():
    frame = balanced(12).assign(q2=[f"other {i}" for i in range(12)])
    ds = load_dataset(frame, ColumnMap(text_pair="q2"))
    assert ds.text_pairs[:2] == ["other 0", "other 1"]


def test_preprocess_is_applied_before_checks():
    frame = balanced(12)
    frame.loc[0, "text"] = "<b>TEXT</b>   number 1"
    ds = load_dataset(frame, ColumnMap(), preprocess=PreprocessSpec(strip_html=True, lowercase=True))
    assert ds.texts[0] == "text number 1"


def _write_variants(folder: Path, frame: pd.DataFrame) -> list[Path]:
    csv = folder / "a.csv"
    frame.to_csv(csv, index=False)
    tsv_gb = folder / "b.tsv"
    tsv_gb.write_bytes(frame.to_csv(index=False, sep="\t").encode("gb18030"))
    utf16 = folder / "c.txt"
    utf16.write_bytes(frame.to_csv(index=False, sep=";", lineterminator="\r\n").encode("utf-16"))
    jsonl = folder / "d.jsonl"
    frame.to_json(jsonl, orient="records", lines=True, force_ascii=False)
    xlsx = folder / "e.xlsx"
    frame.to_excel(xlsx, index=False)
    return [csv, tsv_gb, utf16, jsonl, xlsx]


def test_fingerprint_is_stable_across_encodings_and_formats(tmp_path):
    frame = frame_of([f"退款 {i}" for i in range(12)], ["是", "否"] * 6)
    prints = {load_dataset(path, ColumnMap()).fingerprint for path in _write_variants(tmp_path, frame)}
    assert len(prints) == 1
    reordered = load_dataset(frame.iloc[::-1], ColumnMap()).fingerprint
    relabelled = load_dataset(frame.assign(label=["否", "是"] * 6), ColumnMap()).fingerprint
    assert reordered not in prints and relabelled not in prints and len(prints.pop()) == 64


def test_real_banking77_slice(shared_data):
    frame = pd.read_csv(shared_data / "banking77" / "train.csv", nrows=600, dtype=str)
    ds = load_dataset(frame, ColumnMap())
    assert ds.task == "classification" and len(ds) == 600
    assert set(ds.labels) == set(frame["label"]) and sum(ds.report.labels.values()) == 600
    report = check_data(shared_data / "banking77" / "train.csv", ColumnMap(label="intent"))
    assert re.search(
        r"Column 'intent' \(label column\) not found .* Columns in the file: 'text', 'label'\.",
        report.errors[0],
    )


def test_column_map_validation():
    assert ColumnMap(text=" body ", label="", text_pair="  ") == ColumnMap(text="body", label=None)
    with pytest.raises(SpecError) as caught:
        ColumnMap(text="", label="x", text_pair="x")
    assert caught.value.problems == [
        "The text column name is empty; choose the column that holds the texts.",
        "Column 'x' is chosen as both the label column and the second text column; choose different columns.",
    ]


def test_all_empty_label_column():
    frame = frame_of([f"t{i}" for i in range(12)], [""] * 12)
    report, _ = check_frame(frame, ColumnMap(), source="f.csv")
    assert report.warnings == [
        f"Dropped 12 rows with an empty label: rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 2 more ({NOTE})."
    ]
    assert report.errors == [
        "No usable rows in f.csv: all 12 rows lack a text or a label. Check that the right columns are selected."
    ]


def test_control_characters_never_reach_messages():
    frame = pd.DataFrame({"text\x1b[2J": ["a"], "label": ["b"]})
    report, _ = check_frame(frame, ColumnMap(text="text\x1b[2J\x07" + "y" * 80))
    assert "\x1b" not in report.errors[0] and "\x07" not in report.errors[0]
    assert "Columns in the file: 'text\\x1b[2J', 'label'." in report.errors[0]
    assert "'text\\x1b[2J\\x07yyy" in report.errors[0] and "y…'" in report.errors[0]


def test_frames_with_nan_and_numbers_are_read_as_text():
    frame = pd.DataFrame(
        {"text": [f"t{i}" for i in range(11)] + [None], "label": [0, 1] * 5 + [float("nan"), 1]}
    )
    ds = load_dataset(frame, ColumnMap())
    assert len(ds) == 10 and ds.labels == ["0.0", "1.0"] and "nan" not in ds.texts
    assert ds.report.warnings == [
        f"Dropped 1 row with an empty text: row 13 ({NOTE}).",
        f"Dropped 1 row with an empty label: row 12 ({NOTE}).",
    ]
