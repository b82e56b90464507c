"""Token-level files: each format read and round-tripped, each validation problem with its message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli.main import main
from workbench.data import ColumnMap, check_data, load_dataset
from workbench.data.tagging import BIOES, IOB1, IOB2, detect_scheme, entities_of, to_iob2
from workbench.data.token_check import check_token_data
from workbench.data.token_files import CONLL, SPANS_CSV, SPANS_JSONL, TOKENS_JSONL
from workbench.data.token_output import write_token_file
from workbench.errors import DataError

COLUMNS = ColumnMap()
CONLL_TEXT = (
    "-DOCSTART- -X- O O\n\n"
    "Empire\tB-location\nState\tI-location\nis\tO\ntall\tO\n"
    "\t\n"  # a tab-only separator line, as in the WNUT-17 train file
    "Ada\tB-person\nLovelace\tI-person\nwrote\tO\n"
    "   \n"
    "Paris B-location\nrocks O\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def sentences(ds) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return list(zip(ds.frame["tokens"], ds.frame["label"], strict=True))


def test_conll_tab_space_docstart_and_whitespace_only_separators(tmp_path):
    ds = load_dataset(write(tmp_path / "a.conll", CONLL_TEXT), COLUMNS)
    assert ds.task == "token-classification"
    assert sentences(ds) == [
        (("Empire", "State", "is", "tall"), ("B-location", "I-location", "O", "O")),
        (("Ada", "Lovelace", "wrote"), ("B-person", "I-person", "O")),
        (("Paris", "rocks"), ("B-location", "O")),
    ]
    assert ds.labels == ["O", "B-location", "I-location", "B-person", "I-person"]
    assert ds.report.labels == {"location": 2, "person": 1}
    assert ds.frame["row"].tolist() == [3, 8, 12]


def test_conll_detected_by_content_without_known_suffix(tmp_path):
    report = check_data(write(tmp_path / "train.txt", CONLL_TEXT), COLUMNS)
    assert (report.format, report.task, report.rows_usable) == (CONLL, "token-classification", 3)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("out.conll", CONLL), ("out.jsonl", TOKENS_JSONL), ("out.spans.jsonl", SPANS_JSONL)],
)
def test_round_trip_each_format(tmp_path, name, fmt):
    original = load_dataset(write(tmp_path / "a.conll", CONLL_TEXT), COLUMNS)
    _, _, loaded = check_token_data(tmp_path / "a.conll", COLUMNS, CONLL)
    path = write_token_file(loaded.records, tmp_path / name, fmt)
    again = load_dataset(path, COLUMNS)
    assert again.report.format == fmt
    assert sentences(again) == sentences(original)


def test_tokens_jsonl_reads_hugging_face_shape(tmp_path):
    lines = [{"tokens": ["I", "love", "Berlin"], "ner_tags": ["O", "O", "B-location"]}]
    ds = load_dataset(write(tmp_path / "a.jsonl", "\n".join(map(json.dumps, lines))), COLUMNS)
    assert sentences(ds) == [(("I", "love", "Berlin"), ("O", "O", "B-location"))]


def test_token_files_holding_line_separators_inside_strings_are_read_whole(tmp_path):
    lines = [{"tokens": ["I", "love", "Ber\u2028lin"], "ner_tags": ["O", "O", "B-location"]}]
    lines.append({"tokens": ["Hi", "Ada\x85"], "ner_tags": ["O", "B-person"]})
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    ds = load_dataset(write(tmp_path / "a.jsonl", body), COLUMNS)
    assert sentences(ds) == [
        (("I", "love", "Ber\u2028lin"), ("O", "O", "B-location")),
        (("Hi", "Ada\x85"), ("O", "B-person")),
    ]


def test_spans_jsonl_keeps_the_original_text_and_offsets(tmp_path):
    text = "Meet  Ada Lovelace in London."
    record = {"text": text, "spans": [{"start": 6, "end": 18, "label": "person"}, [22, 28, "location"]]}
    ds = load_dataset(write(tmp_path / "a.jsonl", json.dumps(record)), COLUMNS)
    row = ds.frame.iloc[0]
    assert row["text"] == text
    assert row["label"] == ("O", "B-person", "I-person", "O", "B-location", "O")
    assert [text[s:e] for s, e in row["offsets"]] == ["Meet", "Ada", "Lovelace", "in", "London", "."]


def test_spans_csv_one_row_per_entity(tmp_path):
    csv = "text,start,end,label\nAda met Bob,0,3,person\nAda met Bob,8,11,person\nnothing here,,,\n"
    ds = load_dataset(write(tmp_path / "a.csv", csv), COLUMNS)
    assert ds.report.format == SPANS_CSV
    assert sentences(ds) == [
        (("Ada", "met", "Bob"), ("B-person", "O", "B-person")),
        (("nothing", "here"), ("O", "O")),
    ]


def test_token_tag_count_mismatch_names_each_line(tmp_path):
    lines = [
        {"tokens": ["a", "b"], "tags": ["O"]},
        {"tokens": ["c"], "tags": ["O"]},
        {"tokens": ["d"], "tags": ["O", "O", "O"]},
    ]
    report = check_data(write(tmp_path / "a.jsonl", "\n".join(map(json.dumps, lines))), COLUMNS)
    assert report.errors == [
        "Token/tag count mismatch on 2 lines: line 1 (2 tokens, 1 tags), line 3 (1 tokens, 3 tags). "
        "Give exactly one tag per token."
    ]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = "Paris\tB-location\nlonely\n\nhello\tPER\n"
    report = check_data(write(tmp_path / "a.conll", text), COLUMNS)
    assert len(report.errors) == 2
    assert report.errors[0].startswith("1 line without a tag column: line 2.")
    assert report.errors[1].startswith("Unknown tag scheme: 'PER' is not O, B-TYPE/I-TYPE (IOB1, IOB2)")
    assert "on lines 4" in report.errors[1]


def test_stray_inside_tag_is_reported_then_repaired(tmp_path):
    text = "Ada\tB-person\nwent\tO\nhome\tI-location\nnow\tO\n\nBob\tB-person\nran\tO\n"
    path = write(tmp_path / "a.conll", text)
    report = check_data(path, COLUMNS)
    assert report.errors == [
        "1 I- tag(s) do not continue an entity of their type: lines 3 ('I-location' after 'O'). Fix them, "
        "or run `workbench data check FILE --repair -o FIXED` to start those entities with B-."
    ]
    out = tmp_path / "fixed.conll"
    assert main(["data", "check", str(path), "--repair", "-o", str(out)]) == 0
    assert load_dataset(out, COLUMNS).frame["label"][0] == ("B-person", "O", "B-location", "O")


def test_overlapping_and_out_of_text_spans(tmp_path):
    rows = [
        {"text": "Ada Lovelace", "spans": [[0, 3, "person"], [0, 12, "person"]]},
        {"text": "short", "spans": [[0, 40, "thing"]]},
        {"text": "fine", "spans": []},
    ]
    report = check_data(write(tmp_path / "a.jsonl", "\n".join(map(json.dumps, rows))), COLUMNS)
    assert report.errors == [
        "Spans outside the text on line 2 (text of 5 characters). start and end are character offsets "
        "with 0 <= start < end <= the text's length.",
        "Overlapping spans on 1 line: line 1. Keep one label per character: remove or shorten one of each pair.",
    ]


def test_schemes_convert_to_iob2():
    assert detect_scheme([["I-PER", "I-PER", "O", "I-LOC"]]) == IOB1
    assert to_iob2(["I-PER", "I-PER", "B-PER", "O", "I-LOC"], IOB1) == [
        "B-PER",
        "I-PER",
        "B-PER",
        "O",
        "B-LOC",
    ]
    assert detect_scheme([["S-PER", "B-LOC", "E-LOC"]]) == BIOES
    assert to_iob2(["S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC"], BIOES) == [
        "B-PER",
        "B-LOC",
        "I-LOC",
        "I-LOC",
        "B-LOC",
    ]
    assert detect_scheme([["B-PER", "I-PER", "O"]]) == IOB2
    assert [(e.label, e.start, e.end) for e in entities_of(["B-A", "I-A", "B-A", "O", "I-B"])] == [
        ("A", 0, 2),
        ("A", 2, 3),
        ("B", 4, 5),
    ]


def test_iob1_file_is_read_with_a_warning(tmp_path):
    report = check_data(write(tmp_path / "a.conll", "Ada\tI-PER\nLovelace\tI-PER\nsat\tO\n"), COLUMNS)
    assert report.ok and report.scheme == IOB1
    assert report.warnings == ["Tags read as IOB1 (entities open with I-) and converted to IOB2."]


def test_data_check_cli_prints_entity_counts(tmp_path, capsys):
    assert main(["data", "check", str(write(tmp_path / "a.conll", CONLL_TEXT))]) == 0
    out = capsys.readouterr().out
    assert "format: conll, tags IOB2 (read as IOB2)" in out
    assert "task: token-classification (2 entity types)" in out
    assert "location" in out and "OK: the data can be used." in out


def test_model_types_unknown_to_the_model_are_an_error(tmp_path):
    with pytest.raises(
        DataError, match=r"Entity type\(s\) 'person' are not among the model's types \(location\)"
    ):
        load_dataset(
            write(tmp_path / "a.conll", CONLL_TEXT), COLUMNS, labels=["O", "B-location", "I-location"]
        )


def test_wnut17_train_file_reads_every_sentence(shared_data):
    ds = load_dataset(shared_data / "wnut17" / "wnut17train.conll", COLUMNS)
    assert len(ds) == 3394
    assert sum(ds.report.labels.values()) == 1975


def test_data_split_writes_conll_parts(tmp_path, capsys):
    blocks = [f"w{i}\tB-thing\nand\tO\n" for i in range(20)]
    source = write(tmp_path / "all.conll", "\n".join(blocks))
    assert main(["data", "split", str(source), "--val", "0.25", "-o", str(tmp_path / "parts")]) == 0
    train, val = (
        load_dataset(tmp_path / "parts" / "train.conll", COLUMNS),
        load_dataset(tmp_path / "parts" / "val.conll", COLUMNS),
    )
    assert (len(train), len(val)) == (15, 5)
    assert set(train.frame["tokens"]) | set(val.frame["tokens"]) == {(f"w{i}", "and") for i in range(20)}
    assert "val: 5 sentences" in capsys.readouterr().out
