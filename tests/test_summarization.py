"""Summarisation on the seq2seq machinery: ROUGE (rouge-score) checked on hand-worked examples and on
non-English words, and a tiny T5 that learns to shorten sentences, evaluated with ROUGE from the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from seq2seq_data import PLACES, SUBJECTS, VERBS

from workbench.evaluation.summary_metrics import rouge_scores


def test_rouge_matches_hand_worked_examples():
    # "the cat sat on the mat" vs "the cat was on the mat": 5 of 6 words shared (P = R = 5/6);
    # bigrams: the-cat, on-the, the-mat shared of 5 each (3/5); longest common subsequence 5 words
    assert rouge_scores(["the cat sat on the mat"], ["the cat was on the mat"]) == {
        "rouge1": 83.3333, "rouge2": 60.0, "rougeL": 83.3333,
    }  # fmt: skip
    assert rouge_scores(["a b"], ["c d"]) == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    # the mean over examples: (100 + 0) / 2
    assert rouge_scores(["x y", "a b"], ["x y", "c d"])["rouge1"] == 50.0


def test_non_english_words_are_scored_as_words():
    assert rouge_scores(["Die Katze schläft über dem Fluss"], ["die katze schläft über dem fluss"]) == {
        "rouge1": 100.0, "rouge2": 100.0, "rougeL": 100.0,
    }  # fmt: skip
    assert rouge_scores(["schläft"], ["schlägt"])["rouge1"] == 0.0  # not "schl" + "ft" in common


def _summaries() -> list[tuple[str, str]]:
    places = list(PLACES)
    return [
        (f"{subject} {verb} {places[(i + j) % len(places)]} and nobody knows why", f"{subject} {verb}")
        for i, subject in enumerate(SUBJECTS)
        for j, verb in enumerate(VERBS)
    ]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_tiny_t5_learns_to_summarise_and_evaluate_reports_rouge(tmp_path, capsys):
    from tiny_models import make_tiny_t5

    from workbench.cli.main import main

    pairs = _summaries()
    base = make_tiny_t5(tmp_path / "t5", [t for pair in pairs for t in pair])
    data = tmp_path / "docs.csv"
    pd.DataFrame(pairs, columns=["document", "summary"]).to_csv(data, index=False)
    columns = ["--source-column", "document", "--target-column", "summary"]
    code = main(["train", str(data), "--eval-data", str(data), *columns, "--task", "seq2seq", "--model", str(base),
                 "--name", "shorten", "--epochs", "60", "--batch-size", "4", "--lr", "3e-3", "--warmup-ratio", "0"])  # fmt: skip
    assert code == 0
    capsys.readouterr()
    assert main(["evaluate", "shorten", str(data), *columns, "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["metrics"]["rougeL"] >= 90 and report["metrics"]["rouge1"] >= 90, report["metrics"]
    assert main(["evaluate", "shorten", str(data), *columns]) == 0
    assert "ROUGE-L" in capsys.readouterr().out
