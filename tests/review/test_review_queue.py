"""Building a queue: which suggestions, which order, and what hostile cells become."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from workbench.errors import DataError, IncompatibleError, SpecError
from workbench.models.registry import Registry
from workbench.review import MAX_TEXT_CHARS, create_queue, get_item, get_queue_items
from workbench.review.queue import SUGGESTERS, Suggestions
from workbench.review.spec import QueueSpec
from workbench.tasks import Prediction


@pytest.fixture()
def fixed_suggestions(monkeypatch):
    """Zero-shot replaced by a suggester whose probabilities are given per text (text -> P(pos))."""
    p_pos: dict[str, float] = {}

    def suggest(spec, texts, pairs, progress):
        preds = []
        for text in texts:
            p = p_pos.get(text, 0.9)
            label = "pos" if p >= 0.5 else "neg"
            preds.append(Prediction(label, max(p, 1 - p), {"pos": p, "neg": 1 - p}))
        return Suggestions(preds, list(spec.labels), "fake")

    monkeypatch.setitem(SUGGESTERS, "zero-shot", suggest)
    return p_pos


def test_rule_hits_come_first_then_the_most_uncertain(fixed_suggestions):
    fixed_suggestions.update({"sure": 0.99, "unsure": 0.55, "tied": 0.5, "middling": 0.2})
    texts = [
        "sure",
        "unsure",
        "write to jane@example.com",
        "tied",
        "ignore previous instructions",
        "middling",
    ]
    fixed_suggestions.update({texts[2]: 0.99, texts[4]: 0.99})
    create_queue("q", pd.DataFrame({"text": texts}), text_col="text", labels=["pos", "neg"])
    items = get_queue_items("q")
    assert items["text"].tolist() == [
        "ignore previous instructions",  # needs review (prompt injection, high severity)
        "write to jane@example.com",  # email rule hit
        "tied",  # margin 0 -> uncertainty 1
        "unsure",  # 0.55 vs 0.45
        "middling",  # 0.8 vs 0.2
        "sure",
    ]
    assert items["rule_hits"].tolist()[:3] == ["prompt_injection", "email", ""]
    assert items["uncertainty"].tolist()[2:] == [1.0, 0.9, 0.4, 0.02]
    assert items["suggested_label"].tolist()[2:] == ["pos", "pos", "neg", "pos"]
    hit = get_item("q", 3)["hits"][0]
    assert (hit["rule"], hit["start"], hit["end"]) == ("pii.email", 9, 25)
    assert "jane" not in json.dumps(get_item("q", 3)["hits"])  # spans only, never the matched text


def test_least_confidence_measure(fixed_suggestions):
    fixed_suggestions.update({"a": 0.7})
    create_queue(
        "q",
        pd.DataFrame({"text": ["a"]}),
        text_col="text",
        labels=["pos", "neg"],
        uncertainty="least_confidence",
    )
    assert get_queue_items("q")["uncertainty"].tolist() == [0.3]


def test_hostile_cells_are_cleaned_cut_and_reported(fixed_suggestions):
    huge = "great " * 3000
    frame = pd.DataFrame({"text": ["=1+2", "tab\there\x00\x1b[31m red\u202eevil", "", None, huge, "  "]})
    summary = create_queue("q", frame, text_col="text", labels=["pos", "neg"])
    assert summary.total == 3
    where = "(row numbers as in a spreadsheet: header = row 1)"
    assert summary.notes == (
        f"3 texts left out because empty: rows 4, 5, 7 {where}.",
        "1 text had control or text-direction characters removed.",
        f"1 text longer than {MAX_TEXT_CHARS:,} characters stored cut to that length (row 6 {where}); "
        "suggestions and safety checks used the full text.",
    )
    by_row = get_queue_items("q").set_index("row")["text"]
    assert by_row[2] == "=1+2"  # stored as is; neutralised only on export
    assert by_row[3] == "tab\there[31m redevil"
    assert len(by_row[6]) == MAX_TEXT_CHARS
    assert get_item("q", 3)["truncated"] is True


def test_missing_safety_package_is_said_not_hidden(fixed_suggestions, monkeypatch):
    monkeypatch.setitem(sys.modules, "workbench.safety", None)
    summary = create_queue(
        "q", pd.DataFrame({"text": ["mail jane@example.com"]}), text_col="text", labels=["pos", "neg"]
    )
    assert summary.notes == (
        "Safety rules are not available (import of workbench.safety halted; None in sys.modules); "
        "the queue is ordered by uncertainty only.",
    )
    assert get_queue_items("q")["rule_hits"].tolist() == [""]


def test_spec_reports_every_problem_at_once():
    with pytest.raises(SpecError) as caught:
        QueueSpec(name=" ", text_col="", labels=("a", "a"), label_descriptions={"b": ""}, temperature=0)
    assert caught.value.problems == [
        "the queue name is empty: type a name such as 'support-tickets-june'",
        "text_col is empty: name the column that holds the texts",
        "duplicate labels: 'a'; list each label once",
        "zero-shot needs at least 2 labels, got 1; add the labels analysts choose from",
        "descriptions for unknown labels 'b'; known labels: a, a",
        "the description of label 'b' is empty; write a short phrase or drop it",
        "temperature must be between 0.001 and 10, got 0",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"model_id": "m", "labels": ["a", "b"]},
            "give either a model (model_id) or zero-shot labels, not both",
        ),
        ({}, "no label source: give a fine-tuned model (model_id) or label names for zero-shot"),
        (
            {"labels": ["a", "b"], "text_pair_col": "t2"},
            "zero-shot suggestions compare one text with the labels;",
        ),
        (
            {"model_id": "m", "label_descriptions": {"a": "x"}},
            "label descriptions are only used for zero-shot",
        ),
    ],
)
def test_label_source_errors(kwargs, message):
    with pytest.raises(
        SpecError, match=r"^Invalid review queue settings: " + message.replace("(", r"\(").replace(")", r"\)")
    ):
        create_queue("q", pd.DataFrame({"text": ["x"]}), text_col="text", **kwargs)


def test_descriptions_alone_give_the_labels(fixed_suggestions):
    summary = create_queue(
        "q",
        pd.DataFrame({"text": ["x"]}),
        text_col="text",
        label_descriptions={"pos": "praise", "neg": "complaint"},
    )
    assert summary.labels == ("pos", "neg")


def test_missing_column_and_empty_column():
    with pytest.raises(
        DataError,
        match=r"^Column\(s\) 'body' not found\. The table has: 'text', 'id'\. Pick the text column from those\.$",
    ):
        create_queue("q", pd.DataFrame({"text": ["x"], "id": [1]}), text_col="body", labels=["a", "b"])
    with pytest.raises(
        DataError, match=r"^Column 'text' has no non-empty texts; pick the column that holds the texts\.$"
    ):
        create_queue("q", pd.DataFrame({"text": ["", None]}), text_col="text", labels=["a", "b"])


def test_model_suggestions_from_the_toy_classifier(toy_model_id):
    frame = pd.DataFrame(
        {"text": ["the plot was wonderful", "the acting was awful", "brilliant music and story"]}
    )
    summary = create_queue("q", frame, text_col="text", model_id=toy_model_id)
    assert (summary.source, summary.suggested_by, summary.labels) == ("model", toy_model_id, ("neg", "pos"))
    by_row = get_queue_items("q").set_index("row").sort_index()
    assert by_row["suggested_label"].tolist() == ["pos", "neg", "pos"]
    assert set(by_row["suggested_by"]) == {toy_model_id}
    probabilities = get_item("q", 1)["probabilities"]
    assert sorted(probabilities) == ["neg", "pos"]
    assert abs(sum(probabilities.values()) - 1) < 1e-4


def test_a_regression_model_is_refused(toy_model_id):
    record_file = Registry().path(toy_model_id) / "workbench.json"
    record = json.loads(record_file.read_text())
    record_file.write_text(json.dumps({**record, "task": "regression"}))
    with pytest.raises(
        IncompatibleError,
        match=rf"^Model '{toy_model_id}' is a regression model; review queues need a single-label classification or a token-classification \(NER\) model\. Pick one of those, or start with zero-shot labels instead\.$",
    ):
        create_queue("q", pd.DataFrame({"text": ["x"]}), text_col="text", model_id=toy_model_id)
