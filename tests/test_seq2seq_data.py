"""Translation data and metrics: source/target detection, two aligned text files, every problem of
a parallel file reported at once with its rows, and sacreBLEU figures against hand-worked examples."""

from __future__ import annotations

import pandas as pd
import pytest
import sacrebleu

from workbench.cli.main import main
from workbench.data import ColumnMap, check_data, load_dataset
from workbench.data.parallel import detect_pair
from workbench.errors import DataError, SpecError
from workbench.evaluation.translation_metrics import check_tokenize, corpus_scores, sentence_chrf

GOOD = [(f"sentence number {i} is here", f"satz nummer {i} ist hier") for i in range(12)]


def write_csv(path, rows, columns=("source", "target")):
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("names", "pair"),
    [
        (["id", "Source", "Target"], ("Source", "Target")),
        (["src", "tgt"], ("src", "tgt")),
        (["en", "de"], ("en", "de")),
        (["text", "label"], None),
        (["en", "de", "notes"], None),
    ],
)
def test_source_and_target_columns_are_detected_by_name(names, pair):
    assert detect_pair(names) == pair


def test_every_problem_is_reported_with_its_rows(tmp_path):
    rows = [
        *GOOD,
        ("the cat sleeps", ""),  # row 14: empty target
        ("   ", "die katze"),  # row 15: whitespace-only source
        ("Berlin is nice", "berlin is nice"),  # row 16: copy (case aside)
        (GOOD[0][0], GOOD[0][1]),  # row 17: duplicate of row 2
        ("yes", "ja, das ist ganz sicher und ohne jeden zweifel richtig"),  # row 18: ratio outlier
    ]
    report = check_data(write_csv(tmp_path / "p.csv", rows), ColumnMap(), "auto")
    assert report.ok and report.task == "seq2seq" and report.rows_usable == 15
    assert report.warnings == [
        "Dropped 1 pair with an empty or whitespace-only source: row 15 (row numbers as in a spreadsheet: "
        "header = row 1). Fill in the source or remove the line.",
        "Dropped 1 pair with an empty or whitespace-only target: row 14 (row numbers as in a spreadsheet: "
        "header = row 1). Fill in the target or remove the line.",
        "1 pair where the target is a copy of the source: row 16 (row numbers as in a spreadsheet: header = "
        "row 1). An untranslated pair teaches the model to copy; remove it unless the text really is the same "
        "in both languages (names, numbers).",
        "1 exact duplicate pair (row numbers as in a spreadsheet: header = row 1): row 17 repeats 2. "
        "Duplicates weigh those pairs more and can leak into the validation split; remove them.",
        "1 pair whose sides differ in length by more than 3x, often a misaligned line: rows 18 (3 vs 54 "
        "characters) (row numbers as in a spreadsheet: header = row 1). Check that source and target say the "
        "same thing.",
    ]


def test_over_long_pairs_are_reported_with_their_token_counts(tmp_path):
    from tiny_models import train_seq2seq_tokenizer

    tokenizer = train_seq2seq_tokenizer([s for pair in GOOD for s in pair])
    rows = [*GOOD, ("sentence " * 9 + "here", "satz hier")]
    report = check_data(
        write_csv(tmp_path / "p.csv", rows), ColumnMap(), "seq2seq", tokenizer=tokenizer, max_length=8
    )
    assert report.warnings[-1] == (
        "1 pair longer than the token limit of 8, cut when training: rows 14 (source 11 tokens, target 3 "
        "tokens) (row numbers as in a spreadsheet: header = row 1). Split them into sentences, or raise "
        "--max-length."
    )


def test_named_columns_win_and_a_missing_one_is_named(tmp_path):
    path = write_csv(tmp_path / "p.csv", GOOD, ("english", "german"))
    ds = load_dataset(path, ColumnMap(text="english", label="german"), "seq2seq")
    assert ds.task == "seq2seq" and ds.texts[0] == GOOD[0][0] and ds.frame["label"][0] == GOOD[0][1]
    assert ds.frame["row"].tolist()[:2] == [2, 3]
    with pytest.raises(DataError, match=r"The target column 'deutsch' is not in .*p\.csv; its columns are "
                       r"'english', 'german'\. Name it with --target-column"):  # fmt: skip
        load_dataset(path, ColumnMap(text="english", label="deutsch"), "seq2seq")


def test_two_aligned_text_files(tmp_path):
    (tmp_path / "a.txt").write_text("\n".join(s for s, _ in GOOD) + "\n")
    (tmp_path / "b.txt").write_text("\n".join(t for _, t in GOOD) + "\n")
    ds = load_dataset(tmp_path / "a.txt", ColumnMap(), "auto", target_file=tmp_path / "b.txt")
    assert len(ds) == 12 and ds.frame["row"].tolist()[:2] == [1, 2] and ds.frame["label"][11] == GOOD[11][1]
    (tmp_path / "c.txt").write_text("\n".join(t for _, t in GOOD[:-1]) + "\n")
    with pytest.raises(
        DataError, match=r"a\.txt has 12 lines but .*c\.txt has 11 lines: the files must be aligned"
    ):
        load_dataset(tmp_path / "a.txt", ColumnMap(), "auto", target_file=tmp_path / "c.txt")


def test_too_few_pairs_to_split_is_an_error(tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", GOOD[:4])
    assert main(["data", "check", str(path), "--json"]) == 2
    assert (
        "error: Only 4 pairs: at least 10 are needed to hold out a validation set." in capsys.readouterr().err
    )


def test_cli_check_reports_a_column_pair(tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", [*GOOD, ("Paris", "Paris")], ("english", "german"))
    assert main(["data", "check", str(path), "--source-column", "english", "--target-column", "german"]) == 0
    out = capsys.readouterr().out
    assert (
        "13 usable rows of 13 read" in out and "task: seq2seq" in out and "copy of the source: row 14" in out
    )


def test_bleu_and_ter_match_hand_worked_figures():
    # 1-4-gram precisions 5/6, 3/5, 2/4, 1/3, no brevity penalty: BLEU = (1/12) ** (1/4) = 53.7285
    scores, signatures = corpus_scores(["the cat sat on the mat"], ["the cat sat on a mat"])
    assert scores["bleu"] == pytest.approx(100 * (1 / 12) ** 0.25, abs=1e-3)
    assert scores["ter"] == pytest.approx(100 / 6, abs=1e-3)  # one substitution in six reference words
    version = sacrebleu.__version__
    assert signatures == {
        "bleu": f"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:{version}",
        "chrf": f"nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:{version}",
        "ter": f"nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:{version}",
    }
    assert corpus_scores(["a b c d"], ["a b c d"])[0] == {"bleu": 100.0, "chrf": 100.0, "ter": 0.0}


def test_sentence_chrf_hand_worked():
    # "ab" vs "ac": character 1-grams P = R = 1/2, 2-grams 0/1 (n-gram orders 3-6 absent and skipped):
    # chrF (beta 2) averages the orders present: (1/2 + 0) / 2 = 25
    assert sentence_chrf(["ab", "xyz", "abc"], ["ac", "abc", "abc"]) == [25.0, 0.0, 100.0]


def test_downloading_tokenisers_are_refused():
    assert check_tokenize("13a") == "13a"
    with pytest.raises(
        SpecError, match=r"The sacreBLEU tokeniser 'flores101' downloads a sentencepiece model"
    ):
        check_tokenize("flores101")
    with pytest.raises(
        SpecError, match=r"Unknown sacreBLEU tokeniser 'abc'\. Use one of: 13a, intl, char, zh, none\."
    ):
        check_tokenize("abc")
