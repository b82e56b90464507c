"""``workbench data check`` / ``data split`` through the real entry point, and the sample files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli.main import main

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "sample"


def write_csv(path: Path, rows: list[tuple[str, str]], header: str = "text,label") -> Path:
    path.write_text(header + "\n" + "".join(f"{t},{label}\n" for t, label in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory) -> Path:
    """A model folder holding only a config and the tiny WordPiece tokenizer (no weights, no torch)."""
    from tiny_models import train_tokenizer
    from transformers import BertConfig

    folder = tmp_path_factory.mktemp("tokenizer-only")
    tokenizer = train_tokenizer()
    tokenizer.save_pretrained(folder)
    BertConfig(vocab_size=len(tokenizer), max_position_embeddings=64).save_pretrained(folder)
    return folder


@pytest.fixture
def good_csv(tmp_path) -> Path:
    return write_csv(tmp_path / "good.csv", [(f"message {i}", "yes" if i % 3 else "no") for i in range(30)])


def test_check_ok_prints_report(good_csv, capsys):
    assert main(["data", "check", str(good_csv)]) == 0
    out = capsys.readouterr().out
    assert "30 usable rows of 30 read" in out and "task: classification (2 labels)" in out
    assert out.rstrip().endswith("OK: the data can be used.")


def test_check_json_shape(good_csv, capsys):
    assert main(["data", "check", str(good_csv), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload == {
        "rows": 30,
        "task": "classification",
        "labels": {"no": 10, "yes": 20},
        "warnings": [],
        "errors": [],
    }


def test_check_unusable_exits_2_with_one_line_per_problem(tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", [("only", "one"), ("", "one")])
    assert main(["data", "check", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert payload["rows"] == 1 and len(payload["errors"]) == 2 and len(payload["warnings"]) == 1
    assert captured.err.splitlines() == [f"error: {problem}" for problem in payload["errors"]]


def test_check_missing_file_is_not_a_traceback(tmp_path, capsys):
    assert main(["data", "check", str(tmp_path / "nope.csv"), "--text-col", "body"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Data file not found") and "Traceback" not in err


def test_check_with_model_and_eval_file(good_csv, tmp_path, tokenizer_dir, capsys):
    dev = write_csv(tmp_path / "dev.csv", [("message 1", "yes"), ("other", "no")])
    long_rows = [
        (("great film " * 40) if i == 0 else f"message {i}", "yes" if i % 2 else "no") for i in range(12)
    ]
    train = write_csv(tmp_path / "long.csv", long_rows)
    code = main(
        ["data", "check", str(train), "--model", str(tokenizer_dir), "--eval-data", str(dev), "--json"]
    )
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert code == 0 and len(warnings) == 2
    assert warnings[0].startswith(
        "1 text longer than the model's limit of 64 tokens (longest: 82 tokens, row 2;"
    )
    assert warnings[1].startswith("1 text of this file also appears in the eval file")


def test_check_unknown_model_folder(good_csv, tmp_path, capsys):
    assert main(["data", "check", str(good_csv), "--model", str(tmp_path / "no-model")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_check_prediction_file_without_labels(tmp_path, capsys):
    path = tmp_path / "unlabelled.csv"
    path.write_text("text\nhello\nworld\n", encoding="utf-8")
    assert main(["data", "check", str(path), "--no-label", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 2


def test_split_writes_formula_safe_files(tmp_path, capsys):
    rows = [(f"=cmd {i}" if i == 0 else f"msg {i}", "a" if i % 2 else "b") for i in range(40)]
    path = write_csv(tmp_path / "in.csv", rows, header="body,intent")
    out = tmp_path / "out"
    args = [
        "data",
        "split",
        str(path),
        "--text-col",
        "body",
        "--label-col",
        "intent",
        "--val",
        "0.2",
        "--test",
        "0.1",
    ]
    assert main([*args, "-o", str(out)]) == 0
    parts = {name: pd.read_csv(out / f"{name}.csv", dtype=str) for name in ("train", "val", "test")}
    assert [len(p) for p in parts.values()] == [28, 8, 4]
    assert list(parts["val"].columns) == ["body", "intent"]
    everything = pd.concat(parts.values())["body"].tolist()
    assert "'=cmd 0" in everything and len(set(everything)) == 40
    assert "train: 28 rows" in capsys.readouterr().out


def test_split_unusable_file_exits_2(tmp_path, capsys):
    path = write_csv(tmp_path / "tiny.csv", [("a", "x"), ("b", "y")])
    assert main(["data", "split", str(path), "-o", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith("error: Only 2 usable rows")


@pytest.mark.parametrize("label", ["sentiment", "intent"])
def test_sample_files_are_usable(label, capsys):
    train, test = SAMPLE / "support_train.csv", SAMPLE / "support_test.csv"
    assert main(["data", "check", str(train), "--label-col", label, "--eval-data", str(test), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (
        payload["rows"] == 400
        and payload["warnings"] == []
        and len(payload["labels"]) == {"sentiment": 3, "intent": 6}[label]
    )


def test_sample_generator_is_deterministic_and_disjoint():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_sample_data", SAMPLE.parents[1] / "scripts" / "make_sample_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frames = module.generate()
    texts = [set(frame["text"]) for frame in frames.values()]
    assert [len(t) for t in texts] == [400, 120, 60] and not (texts[0] & texts[1] or texts[0] & texts[2])
    on_disk = pd.read_csv(SAMPLE / "support_train.csv", dtype=str, keep_default_na=False)
    assert on_disk.values.tolist() == frames["train"].values.tolist()


def test_check_cleans_stray_nul_bytes_and_says_where(tmp_path, capsys):
    lines = ["text,label"] + [f"message {i},{'yes' if i % 3 else 'no'}" for i in range(40)]
    lines[5] = "refund\x00 please,yes"
    path = tmp_path / "export.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    assert main(["data", "check", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 40 and not report["errors"]
    assert (
        "Removed stray NUL bytes (a database or spreadsheet export artefact) from 1 cell: row 6 (row "
        "numbers as in a spreadsheet: header = row 1). The rest of each cell was kept." in report["warnings"]
    )
