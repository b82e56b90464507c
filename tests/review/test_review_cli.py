"""``workbench review``: create from a file, status, export, and one clear line per mistake."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench.cli import main as cli_main
from workbench.review import get_queue, record_decision
from workbench.review.queue import SUGGESTERS, Suggestions
from workbench.tasks import Prediction


@pytest.fixture()
def run(monkeypatch, capsys):
    if "workbench.cli.review_cmd" not in cli_main.COMMAND_MODULES:
        monkeypatch.setattr(
            cli_main, "COMMAND_MODULES", (*cli_main.COMMAND_MODULES, "workbench.cli.review_cmd")
        )
    seen: dict[str, object] = {}

    def suggest(spec, texts, pairs, progress):
        seen["descriptions"] = spec.label_descriptions
        labels = list(spec.labels)
        probs = {label: 1 / len(labels) for label in labels}
        return Suggestions([Prediction(labels[0], probs[labels[0]], probs) for _ in texts], labels, "fake")

    monkeypatch.setitem(SUGGESTERS, "zero-shot", suggest)

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = cli_main.main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    invoke.seen = seen  # type: ignore[attr-defined]
    return invoke


@pytest.fixture()
def texts_csv(tmp_path):
    path = tmp_path / "texts.csv"
    pd.DataFrame({"body": ["refund please", "", "my card is lost"]}).to_csv(path, index=False)
    return path


def test_create_status_export(run, texts_csv, tmp_path):
    code, out, _ = run(
        "review", "create", "tickets", str(texts_csv), "--text-col", "body", "--labels", "refund, card"
    )
    assert code == 0
    assert out.splitlines() == [
        "Queue 'tickets': 2 texts, suggestions by fake.",
        "note: 1 text left out because empty: row 3 (row numbers as in a spreadsheet: header = row 1).",
    ]
    record_decision("tickets", 2, "card", reviewer="ana")
    code, out, _ = run("review", "status", "tickets")
    assert code == 0
    assert out.splitlines()[0] == (
        "Queue 'tickets': 1 of 2 reviewed (0 accepted, 1 corrected, 0 skipped, 1 pending); suggestions by fake"
    )
    assert "Cohen's kappa: kappa needs at least 10 reviewed items (have 1)" in out
    code, out, _ = run("review", "status", "tickets", "--json")
    assert json.loads(out)["corrected"] == 1
    target = tmp_path / "out.csv"
    code, out, _ = run("review", "export", "tickets", "-o", str(target))
    assert (code, out.strip()) == (0, f"Wrote 1 reviewed labels to {target} (formula-safe CSV).")
    assert pd.read_csv(target)[["row", "label"]].values.tolist() == [[4, "card"]]
    code, out, _ = run("review", "list")
    assert out.startswith("tickets\t1 of 2 reviewed\tfake\tcreated ")
    assert run("review", "delete", "tickets")[0] == 0
    assert run("review", "list")[1].startswith("No review queues yet.")


def test_label_descriptions_file(run, texts_csv, tmp_path):
    yaml_file = tmp_path / "labels.yaml"
    yaml_file.write_text("refund: asking for money back\ncard: a lost or stolen card\n", encoding="utf-8")
    code, _, err = run(
        "review", "create", "t", str(texts_csv), "--text-col", "body", "--label-descriptions", str(yaml_file)
    )
    assert code == 0
    assert "scanning texts: 100%" in err
    assert get_queue("t").labels == ("refund", "card")
    assert run.seen["descriptions"] == {"refund": "asking for money back", "card": "a lost or stolen card"}


def test_mistakes_exit_2_with_one_line_each(run, texts_csv, tmp_path):
    code, _, err = run("review", "create", "t", str(texts_csv), "--text-col", "body", "--labels", "a,,a")
    assert code == 2
    assert err.splitlines() == [
        "error: labels must be non-empty text without control characters; got ''",
        "error: duplicate labels: 'a'; list each label once",
        "error: zero-shot needs at least 2 labels, got 1; add the labels analysts choose from",
    ]
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("refund: [unclosed\n", encoding="utf-8")
    code, _, err = run("review", "create", "t", str(texts_csv), "--label-descriptions", str(bad_yaml))
    assert (code, err) == (
        2,
        f"error: {bad_yaml}: not valid YAML at line 2. Write one 'label: description' per line.\n",
    )
    code, _, err = run("review", "status", "missing")
    assert (code, err) == (2, "error: No review queue named 'missing'. Existing queues: none yet.\n")


def test_export_can_mask_personal_data(run, tmp_path):
    data = tmp_path / "inbox.csv"
    pd.DataFrame({"text": ["mail me at jane@example.com please", "the card was declined"]}).to_csv(
        data, index=False
    )
    assert run("review", "create", "inbox", str(data), "--labels", "contact,card")[0] == 0
    record_decision("inbox", 1, "contact", reviewer="ana")
    masked, plain = tmp_path / "masked.csv", tmp_path / "plain.csv"
    assert run("review", "export", "inbox", "-o", str(masked), "--mask-pii")[0] == 0
    assert run("review", "export", "inbox", "-o", str(plain))[0] == 0
    assert pd.read_csv(masked)["text"].tolist() == ["mail me at [EMAIL] please"]
    assert pd.read_csv(plain)["text"].tolist() == ["mail me at jane@example.com please"]
