"""read_table: formats, encodings, delimiters and every refusal message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from workbench.data import read_table
from workbench.data.io import nul_cleaning, row_numbering, sniff_delimiter
from workbench.errors import DataError

ROWS = [
    ("我的卡丢了", "lost_card"),
    ("退款什么时候到账？", "refund"),
    ("Café crème s'il vous plaît", "other"),
]


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def table_text(delimiter: str = ",", newline: str = "\n") -> str:
    lines = [f"text{delimiter}label"] + [f"{t}{delimiter}{label}" for t, label in ROWS]
    return newline.join(lines) + newline


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-8", "plain"), ("utf-8-sig", "bom"), ("utf-16", "utf16-le-bom"), ("utf-16-be", "utf16-be")],
)
def test_reads_unicode_encodings(tmp_path, encoding, name):
    text = table_text()
    raw = text.encode(encoding)
    if name == "utf16-be":
        raw = b"\xfe\xff" + raw  # utf-16-be codec writes no BOM; add it as Excel would
    path = tmp_path / f"{name}.csv"
    path.write_bytes(raw)
    frame = read_table(path)
    assert list(frame.columns) == ["text", "label"]
    assert frame["text"].tolist() == [t for t, _ in ROWS]


def test_reads_gb18030_chinese(tmp_path):
    rows = "text,label\n我的卡丢了,lost_card\n退款什么时候到账？,refund\n为什么我的转账还没有到？,transfer\n"
    frame = read_table(write_text(tmp_path / "gb.csv", rows, "gb18030"))
    assert frame["text"].tolist() == ["我的卡丢了", "退款什么时候到账？", "为什么我的转账还没有到？"]


def test_windows_1252_is_not_mistaken_for_chinese(tmp_path):
    text = "text,label\nMüller paid the Gebühr twice,billing\nLa crème brûlée était froide,food\n" * 5
    frame = read_table(write_text(tmp_path / "latin.csv", text, "cp1252"))
    assert frame["text"].iloc[0] == "Müller paid the Gebühr twice"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniffs_delimiter(tmp_path, delimiter):
    others = " ".join(d for d in ",;|" if d != delimiter)  # the other delimiters occur inside texts
    text = f"text{delimiter}label\nhello {others} world{delimiter}greeting\nsecond {others}{delimiter}other\n"
    frame = read_table(write_text(tmp_path / "data.txt", text))
    assert frame.to_dict("list") == {
        "text": [f"hello {others} world", f"second {others}"],
        "label": ["greeting", "other"],
    }


def test_sniff_prefers_consistent_columns():
    sample = "text;label\nI paid, then it failed;payment\nok;other\n"
    assert sniff_delimiter(sample) == ";"


def test_multiline_quoted_fields_with_crlf(tmp_path):
    text = 'text,label\r\n"first line\r\nsecond line",a\r\n"he said ""hi""",b\r\nplain,c\r\n'
    frame = read_table(write_text(tmp_path / "crlf.csv", text))
    assert frame["text"].tolist() == ["first line\nsecond line", 'he said "hi"', "plain"]
    assert frame["label"].tolist() == ["a", "b", "c"]


def test_cells_stay_strings(tmp_path):
    text = "text,label,score\n0001,NA,1.50\nnull,,\n"
    frame = read_table(write_text(tmp_path / "s.csv", text))
    assert frame.to_dict("list") == {"text": ["0001", "null"], "label": ["NA", ""], "score": ["1.50", ""]}


def test_blank_lines_keep_spreadsheet_numbering(tmp_path):
    frame = read_table(write_text(tmp_path / "b.csv", "text,label\na,1\n\nb,2\n"))
    assert frame["text"].tolist() == ["a", "", "b"]
    assert row_numbering(frame).number(2) == 4


def test_reads_xlsx(tmp_path):
    path = tmp_path / "data.xlsx"
    pd.DataFrame({"text": ["hello", "bye"], "label": [1, 2], "note": [None, "x"]}).to_excel(path, index=False)
    frame = read_table(path)
    assert frame.to_dict("list") == {"text": ["hello", "bye"], "label": ["1", "2"], "note": ["", "x"]}


def test_reads_jsonl_and_json_array(tmp_path):
    lines = [{"text": "a", "label": ["x", "y"]}, {"text": "b", "label": None, "extra": 3}]
    jsonl = write_text(tmp_path / "d.jsonl", "\n".join(json.dumps(r) for r in lines) + "\n")
    frame = read_table(jsonl)
    assert frame.to_dict("list") == {"text": ["a", "b"], "label": ["x|y", ""], "extra": ["", "3"]}
    assert row_numbering(frame).unit == "line"
    array = write_text(tmp_path / "d.json", json.dumps(lines))
    assert read_table(array)["label"].tolist() == ["x|y", ""]


def test_jsonl_bad_lines_are_listed(tmp_path):
    path = write_text(tmp_path / "bad.jsonl", '{"text": "a"}\nnot json\n[1, 2]\n{"text": "b"}\n')
    with pytest.raises(DataError, match=re.escape("2 lines are not JSON objects: lines 2, 3.")):
        read_table(path)


def test_json_lines_holding_line_separators_inside_strings_are_one_record_each(tmp_path):
    # json.dumps(ensure_ascii=False) writes U+2028, U+0085 and form feeds raw; str.splitlines cut the
    # record there (six lines of the public injection test part were read as twelve broken ones)
    texts = ["one\u2028two", "next\x85line", "page\x0cbreak", "file\x1cseparator"]
    body = "\r\n".join(json.dumps({"text": t, "label": "x"}, ensure_ascii=False) for t in texts)
    frame = read_table(write_text(tmp_path / "d.jsonl", body + "\r\n"))
    assert frame["text"].tolist() == texts
    old_mac = write_text(tmp_path / "mac.jsonl", '{"text": "a"}\r{"text": "b"}\r')
    assert read_table(old_mac)["text"].tolist() == ["a", "b"]


def test_half_a_surrogate_pair_in_json_is_refused_with_its_line(tmp_path):
    # JSON escapes can write half of a UTF-16 pair; Python keeps it, but no model, log or export can take it
    lines = (
        '{"text": "fine"}\n{"text": "ignore all \\ud800 rules"}\n'
        '{"text": "an emoji \\ud83d\\ude00 is a whole pair"}\n'
    )
    path = write_text(tmp_path / "half.jsonl", lines)
    with pytest.raises(
        DataError, match=r"half\.jsonl: not valid Unicode: line 2\. The first holds U\+D800 at character 11"
    ):
        read_table(path)
    array = write_text(tmp_path / "half.json", '[{"text": "ok"}, {"text": "x", "label": "\\udc00"}]')
    with pytest.raises(
        DataError, match=r"not valid Unicode: record 2\. The first holds U\+DC00 at character 0"
    ):
        read_table(array)
    key = write_text(tmp_path / "key.jsonl", '{"text": "a"}\n{"te\\udfffxt": "b"}\n')  # in a column name too
    with pytest.raises(
        DataError, match=r"not valid Unicode: a key on line 2\. The first holds U\+DFFF at character 2"
    ):
        read_table(key)
    whole = write_text(tmp_path / "whole.jsonl", lines.replace("\\ud800 ", ""))
    assert read_table(whole)["text"].tolist()[2] == "an emoji \U0001f600 is a whole pair"


def test_missing_file(tmp_path):
    with pytest.raises(
        DataError, match=r"Data file not found: .*nope\.csv\. Check the path and the file name\."
    ):
        read_table(tmp_path / "nope.csv")


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=r"empty\.csv is empty\. Give a file with a header row"):
        read_table(path)


def test_binary_file(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 10)
    with pytest.raises(
        DataError, match=r"looks like a binary file \(it contains NUL bytes\), not a text table"
    ):
        read_table(path)


def _export_with_stray_nuls(rows: int = 200) -> bytes:
    """A UTF-8 table like a database export: 3 cells over 2 rows hold a NUL byte, one of them quoted."""
    lines = ["text,label"] + [f"message number {i},{'yes' if i % 2 else 'no'}" for i in range(rows)]
    lines[3] = "caf\u00e9 order\x00,yes"
    lines[7] = '"late, again\x00\x00",no\x00'
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_a_text_table_with_stray_nul_bytes_is_read_with_them_removed(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(_export_with_stray_nuls())
    frame = read_table(path)
    assert len(frame) == 200 and "\x00" not in "".join(frame["text"]) + "".join(frame["label"])
    assert frame.loc[2, "text"] == "caf\u00e9 order" and frame.loc[6].tolist() == ["late, again", "no"]
    assert nul_cleaning(frame) == (3, [2, 6])


def test_a_json_lines_file_with_stray_nul_bytes_is_read_with_them_removed(tmp_path):
    path = tmp_path / "export.jsonl"
    rows = [json.dumps({"text": f"message {i}", "label": "a"}) for i in range(150)]
    rows[4] = '{"text": "broken\x00 text", "label": "b"}'
    path.write_bytes(("\n".join(rows) + "\n").encode("utf-8"))
    frame = read_table(path)
    assert frame.loc[4, "text"] == "broken text" and nul_cleaning(frame) == (1, [4])


def test_many_nul_bytes_still_make_a_binary_file(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_bytes(b"text,label\n" + b"abc\x00def\x00,x\n" * 50)  # 1 byte in 8 is NUL
    with pytest.raises(DataError, match=r"looks like a binary file \(it contains NUL bytes\)"):
        read_table(path)


def test_garbled_file(tmp_path):
    path = tmp_path / "garbled.csv"
    path.write_bytes(bytes(range(128, 256)) * 40)
    with pytest.raises(
        DataError,
        match=r"is not valid text in UTF-8, UTF-16 or GB18030 \(undecodable byte 0x80 at offset 0\)",
    ):
        read_table(path)


def test_size_cap(tmp_path):
    path = write_text(tmp_path / "big.csv", "text,label\n" + "hello,a\n" * 300)
    with pytest.raises(
        DataError,
        match=re.escape("big.csv is 2.4 KB (2,411 bytes), over the upload cap of 1.0 KB (1,024 bytes)."),
    ):
        read_table(path, max_bytes=1024)
    assert len(read_table(path, max_bytes=10_000)) == 300


def test_duplicate_column_names(tmp_path):
    path = write_text(tmp_path / "dup.csv", "text,label,text,label,x\na,b,c,d,e\n")
    expected = (
        "dup.csv has duplicate column names: 'text' (columns 1, 3), 'label' (columns 2, 4). Rename them"
    )
    with pytest.raises(DataError, match=re.escape(expected)):
        read_table(path)


def test_ragged_rows_list_line_numbers(tmp_path):
    good, bad = "fine,a\n", "too,many,fields\n"
    text = "text,label\n" + "".join(bad if i % 2 else good for i in range(30))
    with pytest.raises(DataError) as caught:
        read_table(write_text(tmp_path / "ragged.csv", text))
    assert (
        "15 rows have more fields than the header (2 columns, delimiter ','): lines 3, 5, 7, 9, 11, 13, "
        "15, 17, 19, 21 and 5 more (line numbers of the file, header = line 1). Quote fields that contain ','"
        in str(caught.value)
    )


def test_ragged_line_numbers_count_multiline_records(tmp_path):
    text = 'text,label\n"two\nlines",a\nx,y,z\n'
    with pytest.raises(
        DataError,
        match=re.escape("1 row has more fields than the header (2 columns, delimiter ','): line 4 "),
    ):
        read_table(write_text(tmp_path / "r.csv", text))


def test_unclosed_quote(tmp_path):
    with pytest.raises(DataError, match=r"could not be parsed as a table with delimiter ','.*unclosed quote"):
        read_table(write_text(tmp_path / "q.csv", 'text,label\n"never closed,a\nb,c\n'))


def test_old_excel_format_refused(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 100)
    with pytest.raises(DataError, match=r"the \.xls format is not supported\. Save it as \.xlsx or as CSV"):
        read_table(path)


def test_hostile_input(tmp_path):
    huge = "x" * 2_000_000
    text = f"text,label,empty\n{huge},a,\n=cmd|' /C calc'!A0,b,\n\x1b[31mred\x07,c,\n"
    frame = read_table(write_text(tmp_path / "hostile.csv", text))
    assert len(frame["text"].iloc[0]) == 2_000_000
    assert frame["text"].iloc[1] == "=cmd|' /C calc'!A0"
    assert frame["empty"].tolist() == ["", "", ""]
