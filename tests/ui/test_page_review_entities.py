"""Review page for NER queues: each text's entities with accept / change type / delete / add (by word
range or characters), saved at once (a fresh page shows them), exported as JSON-lines spans and CoNLL."""

from __future__ import annotations

import json

import pytest
from toy_ner import TEXTS, make_fake_entity_queue
from ui_helpers import open_page, texts

review = pytest.importorskip("workbench.review")


@pytest.fixture()
def queue(monkeypatch):
    return make_fake_entity_queue(monkeypatch, "ner")


def _page():
    at = open_page("pages/review.py")
    at.text_input(key="review.reviewer").input("ana").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(at) -> str:
    return " ".join(element.proto.body for element in at.get("html"))


def test_texts_show_their_entities_with_actions(queue):
    at = _page()
    shown = _shown(at)
    assert ">Bob <small" in shown and ">Carl <small" in shown and ">Paris <small" in shown
    bob = queue[TEXTS[1]]
    assert at.selectbox(key=f"review.ent.{bob}.8-12.type.person").options == ["location", "person"]
    assert at.button(key=f"review.ent.{bob}.0-3.accept").disabled is False
    assert any("**Carl** · characters 8-12 · suggested · 0.60" in m.value for m in at.markdown)


def test_accept_change_delete_and_add_are_saved_at_once_and_survive_a_reload(queue):
    bob, ada, empty = queue[TEXTS[1]], queue[TEXTS[0]], queue[TEXTS[2]]
    at = _page()
    at.button(key=f"review.ent.{bob}.0-3.accept").click().run()
    assert "'Bob' accepted (saved, by ana)." in texts(at.success)
    at.selectbox(key=f"review.ent.{bob}.8-12.type.person").set_value("location").run()
    assert "'Carl' is now location (saved, by ana)." in texts(at.success)
    at.button(key=f"review.ent.{ada}.12-17.delete").click().run()
    at.radio(key=f"review.ent.{empty}.add.mode").set_value("word range").run()
    at.number_input(key=f"review.ent.{empty}.add.first").set_value(2).run()
    at.number_input(key=f"review.ent.{empty}.add.last").set_value(2).run()
    at.selectbox(key=f"review.ent.{empty}.add.label").set_value("location").run()
    at.button(key=f"review.ent.{empty}.add.go").click().run()
    assert "location entity added to row 4 (saved, by ana)." in texts(at.success)
    assert not at.exception, [e.value for e in at.exception]

    assert [(e["label"], e["status"]) for e in review.get_entities("ner", bob)] == [
        ("person", "accepted"),
        ("location", "changed"),
    ]
    fresh = _page()  # another session, or a reload: the same decisions
    shown = [b.key for b in fresh.button]
    assert f"review.ent.{bob}.0-3.accept" not in shown  # reviewed: it left the pending texts
    assert f"review.ent.{ada}.0-3.accept" in shown and f"review.ent.{ada}.12-17.delete" not in shown
    assert review.get_queue("ner").reviewed == 2  # Bob/Carl (nothing pending) and the added entity
    assert {m.label: m.value for m in fresh.metric}["Texts corrected"] == "2"
    assert "suggested 2 entities: 1 kept, 1 retyped, 0 deleted; reviewers added 1." in " ".join(
        texts(fresh.caption)
    )


def test_add_by_characters_says_what_is_wrong(queue):
    bob = queue[TEXTS[1]]
    at = _page()
    at.radio(key=f"review.ent.{bob}.add.mode").set_value("characters").run()
    at.number_input(key=f"review.ent.{bob}.add.start").set_value(7).run()
    at.number_input(key=f"review.ent.{bob}.add.end").set_value(16).run()
    at.button(key=f"review.ent.{bob}.add.go").click().run()
    assert any("overlap the entity 'Carl'" in e for e in texts(at.error))
    at.number_input(key=f"review.ent.{bob}.add.start").set_value(16).run()
    at.number_input(key=f"review.ent.{bob}.add.end").set_value(20).run()
    at.button(key=f"review.ent.{bob}.add.go").click().run()
    assert [e["end"] for e in review.get_entities("ner", bob)] == [3, 12, 20]


def test_done_reviews_a_text_and_the_exports_appear(queue):
    from workbench.config import workspace_home

    ada = queue[TEXTS[0]]
    at = _page()
    at.button(key=f"review.ent.{ada}.confirm").click().run()
    assert "Row 2 reviewed (saved, by ana)." in texts(at.success)
    assert review.get_queue_items("ner", status="accepted")["item_id"].tolist() == [ada]
    assert {b.key for b in at.get("download_button")} >= {"review.export_jsonl", "review.export_conll"}
    folder = workspace_home() / "uploads" / at.session_state["session_id"]
    line = json.loads((folder / "ner-entities.jsonl").read_text(encoding="utf-8"))
    assert line == {"text": TEXTS[0], "entities": [{"start": 0, "end": 3, "label": "person"}, {"start": 12, "end": 17, "label": "location"}]}  # fmt: skip
    assert (folder / "ner-entities.conll").read_text(encoding="utf-8").startswith("Ada\tB-person\nwent\tO\n")


def test_a_queue_from_a_real_ner_model_reviews_entities(ner_model_id):
    at = open_page("pages/review.py", active_model=ner_model_id)
    at.selectbox(key="review.suggester").set_value(ner_model_id).run()
    at.text_input(key="review.name").input("people")
    at.button(key="review.create").click().run()
    assert not at.exception, [e.value for e in at.exception]
    summary = review.get_queue("people")
    assert (summary.kind, summary.labels) == ("entities", ("location", "person"))
    assert ">" in _shown(at) and any(k.startswith("review.ent.") for k in (b.key for b in at.button))
