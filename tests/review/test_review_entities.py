"""Entity review (NER queues): accept / change type / delete / add by characters or words, each saved
at once and counted; exports as JSON-lines spans and as CoNLL that our own CoNLL reader reads back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from toy_ner import TEXTS, make_fake_entity_queue

from workbench.data.token_files import read_conll
from workbench.errors import DataError, IncompatibleError
from workbench.review import (
    accept_entity,
    add_entity,
    add_entity_words,
    change_entity_type,
    confirm_entities,
    delete_entity,
    entities_conll,
    entities_jsonl,
    export_entities,
    get_entities,
    get_history,
    get_queue,
    get_queue_items,
    record_decision,
    text_words,
)


@pytest.fixture()
def fake_ner(monkeypatch):
    """Queue 'ner' over TEXTS, suggested by a fake NER model; item ids by text."""
    return make_fake_entity_queue(monkeypatch, "ner")


def spans(entities):
    return [(e["start"], e["end"], e["label"], e["status"]) for e in entities]


def test_an_entity_queue_stores_the_predicted_spans_as_pending(fake_ner):
    summary = get_queue("ner")
    assert (summary.kind, summary.labels, summary.total) == ("entities", ("location", "person"), 3)
    items = get_queue_items("ner").set_index("text")
    assert items.loc[TEXTS[1], "suggested_label"] == "person"
    assert items.loc[TEXTS[0], "suggested_label"] == "location|person"
    assert spans(get_entities("ner", fake_ner[TEXTS[0]])) == [
        (0, 3, "person", "pending"),
        (12, 17, "location", "pending"),
    ]
    # least sure text first: Bob/Carl (min score 0.6) before Ada/Paris (0.8), the empty text last
    assert get_queue_items("ner")["text"].tolist() == [TEXTS[1], TEXTS[0], TEXTS[2]]


def test_each_action_is_saved_at_once_and_the_item_is_reviewed_when_nothing_is_pending(fake_ner):
    item = fake_ner[TEXTS[1]]
    accept_entity("ner", item, 0, reviewer="ana")
    assert get_queue_items("ner", status="pending")["item_id"].tolist().count(item) == 1  # Carl still pending
    change_entity_type("ner", item, 1, "person", reviewer="ana")  # same type: accepted as suggested
    assert get_queue_items("ner", status="accepted")["item_id"].tolist() == [item]

    other = fake_ner[TEXTS[0]]
    delete_entity("ner", other, 1, reviewer="ben")  # Paris is not an entity here
    assert spans(get_entities("ner", other)) == [(0, 3, "person", "pending")]
    change_entity_type("ner", other, 0, "location", reviewer="ben")
    assert spans(get_entities("ner", other)) == [(0, 3, "location", "changed")]
    row = get_queue_items("ner", status="reviewed").set_index("item_id").loc[other]
    assert (row["status"], row["gold_label"], row["reviewer"]) == ("corrected", "location", "ben")
    trail = get_history("ner", other)
    assert [json.loads(x)["kind"] for x in trail["label"]] == ["delete", "change"]
    assert get_queue("ner").reviewed == 2
    from workbench.review import queue_stats

    assert queue_stats("ner")["entities"] == {
        "suggested": 4,
        "kept": 2,
        "retyped": 1,
        "deleted": 1,
        "added": 0,
    }


def test_add_by_character_span_and_by_word_range(fake_ner):
    item = fake_ner[TEXTS[2]]
    assert [w for w, _, _ in text_words(TEXTS[2])] == ["nothing", "here"]
    add_entity_words("ner", item, 2, 2, "location", reviewer="ana")
    assert spans(get_entities("ner", item)) == [(8, 12, "location", "added")]
    assert get_queue_items("ner", status="corrected")["item_id"].tolist() == [item]
    add_entity("ner", item, 0, 7, "person", reviewer="ana")  # by characters: "nothing"
    assert spans(get_entities("ner", item)) == [(0, 7, "person", "added"), (8, 12, "location", "added")]


def test_add_refuses_overlaps_bad_spans_unknown_types_and_bad_word_ranges(fake_ner):
    item = fake_ner[TEXTS[1]]
    with pytest.raises(
        DataError, match=r"Characters 8-15 overlap the entity 'Carl' \(person, characters 8-12\)"
    ):
        add_entity("ner", item, 7, 16, "location", reviewer="ana")
    with pytest.raises(DataError, match=r"Characters 5-99 are not a span of this text of 20 characters"):
        add_entity("ner", item, 5, 99, "location", reviewer="ana")
    with pytest.raises(
        DataError, match=r"'city' is not one of the queue's entity types \(location, person\)"
    ):
        add_entity("ner", item, 16, 20, "city", reviewer="ana")
    with pytest.raises(DataError, match=r"Words 4-9 are not a range of this text's 5 words"):
        add_entity_words("ner", item, 4, 9, "location", reviewer="ana")
    with pytest.raises(DataError, match=r"The text has no entity 5; its entities are 0: 'Bob'"):
        delete_entity("ner", item, 5, reviewer="ana")
    assert spans(get_entities("ner", item))[1] == (8, 12, "person", "pending")  # nothing was saved
    add_entity("ner", item, 15, 20, "location", reviewer="ana")  # " Rome" → trimmed to "Rome"
    assert spans(get_entities("ner", item))[-1] == (16, 20, "location", "added")


def test_label_decisions_are_refused_on_an_entity_queue(fake_ner):
    with pytest.raises(IncompatibleError, match="reviews entities, not one label per text"):
        record_decision("ner", fake_ner[TEXTS[0]], "person", reviewer="ana")


def test_exports_hold_reviewed_texts_only_and_conll_round_trips(fake_ner, tmp_path):
    confirm_entities("ner", fake_ner[TEXTS[0]], reviewer="ana")  # both entities accepted as suggested
    add_entity_words("ner", fake_ner[TEXTS[1]], 5, 5, "location", reviewer="ana")  # Rome; 2 still pending
    confirm_entities("ner", fake_ner[TEXTS[2]], reviewer="ana")  # no entity, and that is right
    lines = [json.loads(x) for x in entities_jsonl("ner").splitlines()]
    assert lines == [
        {"text": TEXTS[0], "entities": [{"start": 0, "end": 3, "label": "person"}, {"start": 12, "end": 17, "label": "location"}]},
        {"text": TEXTS[2], "entities": []},
    ]  # fmt: skip
    conll = entities_conll("ner")
    assert conll == "Ada\tB-person\nwent\tO\nto\tO\nParis\tB-location\n.\tO\n\nnothing\tO\nhere\tO\n"
    back = read_conll(conll)
    assert not back.problems
    assert [(r.tokens, r.tags) for r in back.records] == [
        (["Ada", "went", "to", "Paris", "."], ["B-person", "O", "O", "B-location", "O"]),
        (["nothing", "here"], ["O", "O"]),
    ]
    written = export_entities("ner", tmp_path / "out.conll")
    assert written.read_text(encoding="utf-8") == conll
    assert export_entities("ner", tmp_path / "out.jsonl").read_text(encoding="utf-8") == entities_jsonl("ner")


def test_multi_word_entities_are_tagged_b_then_i(fake_ner):
    item = fake_ner[TEXTS[1]]
    delete_entity("ner", item, 1, reviewer="ana")
    delete_entity("ner", item, 0, reviewer="ana")
    add_entity_words("ner", item, 1, 3, "person", reviewer="ana")  # "Bob met Carl" as one (odd) name
    assert entities_conll("ner").splitlines()[:4] == [
        "Bob\tB-person",
        "met\tI-person",
        "Carl\tI-person",
        "in\tO",
    ]


def test_cli_exports_an_entity_queue_as_conll_or_jsonl(fake_ner, tmp_path, capsys):
    from workbench.cli.main import main

    confirm_entities("ner", fake_ner[TEXTS[0]], reviewer="ana")
    assert main(["review", "export", "ner", "-o", str(tmp_path / "out.conll")]) == 0
    assert "Wrote the entities of 1 reviewed texts to" in capsys.readouterr().out
    assert (tmp_path / "out.conll").read_text(encoding="utf-8").startswith("Ada\tB-person\n")
    assert main(["review", "export", "ner", "-o", str(tmp_path / "x.txt"), "--format", "jsonl"]) == 0
    assert json.loads((tmp_path / "x.txt").read_text(encoding="utf-8"))["text"] == TEXTS[0]
    assert main(["review", "export", "ner", "-o", str(tmp_path / "y.conll"), "--mask-pii"]) == 2
    assert "--mask-pii is not available for entity queues" in capsys.readouterr().err


def test_cli_creates_an_entity_queue_from_a_ner_model(ner_model_id, tmp_path, capsys):
    from workbench.cli.main import main

    source = tmp_path / "texts.csv"
    source.write_text("text\nthe movie ada went to paris\nmy card bob went to oslo\n", encoding="utf-8")
    assert main(["review", "create", "people", str(source), "--model", ner_model_id]) == 0
    assert f"Queue 'people': 2 texts, suggestions by {ner_model_id}." in capsys.readouterr().out
    summary = get_queue("people")
    assert (summary.kind, summary.labels) == ("entities", ("location", "person"))
    found = {
        get_queue_items("people").set_index("item_id").loc[i, "text"]: get_entities("people", i)
        for i in (1, 2)
    }
    assert [(e["label"], e["status"]) for e in found["the movie ada went to paris"]] == [
        ("person", "pending"),
        ("location", "pending"),
    ]


def test_tasks_say_what_a_review_and_an_explanation_check():
    from workbench.tasks import get_task

    token, classification = get_task("token-classification"), get_task("classification")
    assert (token.review_kind, token.explain_target) == ("entities", "entity")
    assert (classification.review_kind, classification.explain_target) == ("label", "label")
    assert (get_task("regression").review_kind, get_task("regression").explain_target) == (None, None)
    assert token.review_labels(["O", "B-person", "I-person", "B-location", "I-location"]) == [
        "location",
        "person",
    ]


def test_fine_tune_again_trains_a_token_model_on_the_reviewed_entities(fake_ner, monkeypatch):
    from types import SimpleNamespace

    from workbench.review import training_spec

    fake_record = SimpleNamespace(base_model="default")  # the fake NER model is not in the registry
    monkeypatch.setattr("workbench.models.registry.Registry.get", lambda self, model_id: fake_record)
    with pytest.raises(DataError, match="Queue 'ner' has no reviewed texts yet"):
        training_spec("ner", base_model="default")
    confirm_entities("ner", fake_ner[TEXTS[0]], reviewer="ana")
    spec = training_spec("ner", base_model="default")
    assert spec.task == "token-classification" and spec.train_data.endswith("review/ner/training.conll")
    written = Path(spec.train_data).read_text(encoding="utf-8")
    assert read_conll(written).records[0].tags[0] == "B-person"
