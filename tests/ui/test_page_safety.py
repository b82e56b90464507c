"""Safety: active rules, validated YAML editing (every problem with its line), try a text, statistics."""

from __future__ import annotations

import json

import pytest
from ui_helpers import open_page, texts

safety = pytest.importorskip("workbench.safety")


def _html(at) -> str:
    return " ".join(element.proto.body for element in at.get("html"))


def test_active_rules_are_the_defaults_until_a_workspace_file_exists():
    at = open_page("pages/safety.py")
    table = at.dataframe[0].value
    assert len(table) == len(safety.load_rules(None))
    assert "pii.email" in table["rule"].tolist()
    assert "The default rules (no workspace rule file yet)." in texts(at.caption)
    # whole descriptions (wide column, rows tall enough to wrap), not cut mid-word
    assert table["description"].tolist() == [r.description for r in safety.load_rules(None)]
    assert at.dataframe[0].proto.row_height == 56
    assert json.loads(at.dataframe[0].proto.columns)["description"]["width"] == "large"


def test_try_a_text_highlights_hits_and_masks_them():
    at = open_page("pages/safety.py")
    at.text_area(key="safety.try").input("Mail me at bob@example.org please").run()
    assert "title='pii.email · email · medium · mask'>bob@example.org</mark>" in _html(at)
    assert "Mail me at [EMAIL] please" in texts(at.code)


def test_user_text_is_escaped_not_rendered_as_html():
    at = open_page("pages/safety.py")
    at.text_area(key="safety.try").input("<script>alert(1)</script> x@y.io").run()
    assert "<script>" not in _html(at) and "&lt;script&gt;" in _html(at)


def test_invalid_rule_file_lists_every_problem_with_its_line_and_is_not_saved(isolated_workspace):
    bad = "version: 1\nrules:\n  - {id: pii.phone, action: shout}\n  - {id: x, detector: nope, category: c}\n"
    at = open_page("pages/safety.py")
    at.text_area(key="safety.yaml.False").input(bad)
    at.button(key="safety.save").click().run()
    message = " ".join(texts(at.error))
    assert "line 3" in message and "unknown action 'shout'" in message
    assert "line 4" in message and "nope" in message
    assert not (isolated_workspace / "safety" / "rules.yaml").exists()


def test_valid_rule_file_is_saved_and_used_for_scanning(isolated_workspace):
    rules = (
        "version: 1\nrules:\n  - {id: custom.codename, detector: keywords, keywords: [Bluebird], "
        "category: confidential, action: mask}\n"
    )
    at = open_page("pages/safety.py")
    at.text_area(key="safety.yaml.False").input(rules)
    at.button(key="safety.save").click().run()
    assert (isolated_workspace / "safety" / "rules.yaml").read_text() == rules
    assert any("active rules. Every page now uses them." in t for t in texts(at.success))
    at.text_area(key="safety.try").input("Project Bluebird ships soon").run()
    assert "custom.codename" in at.dataframe[-1].value["rule"].tolist()


def test_hit_statistics_over_the_session_dataset(tmp_path):
    from workbench.data import ColumnMap
    from workbench.ui.session import DatasetChoice

    path = tmp_path / "mails.csv"
    path.write_text("text,label\nwrite to a@b.com,x\nnothing here,y\nor c@d.org,x\n")
    chosen = DatasetChoice(path=str(path), name="mails", columns=ColumnMap(text="text", label="label"))
    at = open_page("pages/safety.py", dataset=chosen)
    at.button(key="safety.stats").click().run()
    stats = at.dataframe[-1].value.set_index("rule")
    assert stats.loc["pii.email", "texts"] == 2
    assert stats.loc["pii.email", "share"] == pytest.approx(2 / 3)


def test_hit_statistics_say_when_nothing_fired():
    at = open_page("pages/safety.py")  # the sample unlabelled messages hold no personal data
    at.button(key="safety.stats").click().run()
    assert "No rule fired on any of the 60 texts." in texts(at.success)


def test_a_model_backed_rule_is_validated_on_save_and_tried_on_a_text(isolated_workspace, toy_model_id):
    """The page checks the rule's model and labels before saving, then runs the model on the text."""
    at = open_page("pages/safety.py")
    wrong = f"version: 1\nrules:\n  - {{id: mood, detector: label, model: {toy_model_id}, labels: [angry]}}\n"
    at.text_area(key="safety.yaml.False").input(wrong)
    at.button(key="safety.save").click().run()
    assert "labels ['angry'] are not labels of model" in " ".join(texts(at.error))
    assert not (isolated_workspace / "safety" / "rules.yaml").exists()
    good = (
        f"version: 1\nrules:\n  - {{id: mood, detector: label, model: {toy_model_id}, labels: [neg],"
        " min_score: 0.6, action: review, category: sentiment}\n"
    )
    at.text_area(key="safety.yaml.False").input(good)
    at.button(key="safety.save").click().run()
    at.text_area(key="safety.try").input("the movie was really terrible and awful").run()
    assert "mood" in at.dataframe[-1].value["rule"].tolist()
    assert "Needs review by a person." in texts(at.warning)
