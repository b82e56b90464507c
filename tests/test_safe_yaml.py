"""YAML a user or a model card hands us: the "billion laughs" and self-containing values are refused
with their line, on every path that reads such YAML (rule files, label descriptions, model cards)."""

from __future__ import annotations

import pytest
import yaml

from workbench import safe_yaml
from workbench.cli.review_cmd import read_label_descriptions
from workbench.errors import DataError, RuleError
from workbench.models.licence import card_licence
from workbench.safety.rules import rules_from_yaml


def _laughs(levels: int = 7) -> str:
    """Anchors ``l0``..``l{levels-1}``, each nine of the one before: 9**levels strings from ~10 lines."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_aliases_that_expand_a_value_without_bound_are_refused_with_the_line():
    with pytest.raises(yaml.YAMLError) as caught:
        safe_yaml.load(_laughs())
    assert "make this value 6,053,451 values from 24 written; at most 100,000 more" in str(caught.value)
    assert caught.value.problem_mark.line == 0


def test_a_value_that_contains_itself_is_refused():
    with pytest.raises(yaml.YAMLError, match=r"a value contains itself through a YAML alias"):
        safe_yaml.load("a: &a [1, *a]\n")


def test_ordinary_anchors_and_merge_keys_still_load():
    text = "base: &base {action: review, severity: high}\nrule: {<<: *base, id: x}\n"
    text += "words: &w [a, b]\nagain: *w\n"
    assert safe_yaml.load(text) == {
        "base": {"action": "review", "severity": "high"},
        "rule": {"action": "review", "severity": "high", "id": "x"},
        "words": ["a", "b"],
        "again": ["a", "b"],
    }
    assert safe_yaml.load("") is None


def test_a_rule_file_with_the_laughs_names_the_line_that_uses_them():
    # Before, the message naming the bad keywords was the repr of 4.8 million strings (a minute at 9 levels)
    text = _laughs() + "rules:\n  - {id: x, detector: keywords, keywords: *l6}\n"
    with pytest.raises(RuleError) as caught:
        rules_from_yaml(text)
    problem = (
        "line 9: value not allowed in a rule file: YAML aliases (*anchor) make this value 5,380,840 values"
    )
    assert problem in str(caught.value)
    assert len(str(caught.value)) < 2_000


def test_a_label_descriptions_file_with_the_laughs_is_refused(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text(_laughs() + "positive: *l6\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"labels\.yaml: not valid YAML at line 1\."):
        read_label_descriptions(path)


def test_a_model_card_with_the_laughs_says_nothing_about_the_licence(tmp_path):
    # A card comes from the hub: joining the 4.8 million strings into a licence took seconds before
    (tmp_path / "README.md").write_text(
        "---\n" + _laughs() + "license: *l6\n---\n# Model\n", encoding="utf-8"
    )
    assert card_licence(tmp_path) is None
