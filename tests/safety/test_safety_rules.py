"""Rule files: every problem reported at once with its line; defaults extended or overridden by id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.errors import RuleError
from workbench.safety import (
    Rule,
    default_rules_path,
    load_rules,
    rules_from_yaml,
    scan,
    validate_rules_file,
)

BROKEN = """\
version: 1
rules:
  - id: custom.codes
    detector: regex
    pattern: "PRJ-[0-9"
    action: delete
  - id: custom.codes
    detector: keywords
    keywords: [x]
  - id: custom.other
    detector: nope
    severity: huge
  - id: custom.words
    detector: keywords
    keywords: []
    colour: red
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_reports_every_problem_with_its_line(tmp_path):
    problems = validate_rules_file(write(tmp_path, BROKEN))
    assert problems == [
        "line 5: bad regex 'PRJ-[0-9': unterminated character set at position 4 (rule 'custom.codes')",
        "line 6: unknown action 'delete' in rule 'custom.codes': use one of flag, mask, block, review",
        "line 7: duplicate rule id 'custom.codes' (first defined on line 3)",
        "line 11: unknown detector 'nope' in rule 'custom.other': use one of " + _detector_list(),
        "line 12: unknown severity 'huge' in rule 'custom.other': use one of low, medium, high, critical",
        "line 15: keywords must be a non-empty list of non-empty strings, got [] (rule 'custom.words')",
        "line 16: unknown setting 'colour' for detector 'keywords' (known: keywords, case_sensitive, whole_word)"
        " (rule 'custom.words')",
    ]


def _detector_list() -> str:
    from workbench.safety.detectors import DETECTORS

    return ", ".join(DETECTORS)


def test_yaml_syntax_error_gives_its_line(tmp_path):
    path = write(tmp_path, "rules:\n  - id: a\n    detector: [unclosed\n  - id: b\n")
    assert validate_rules_file(path)[0].startswith("line 4: YAML syntax error:")


def test_load_rules_raises_with_all_problems(tmp_path):
    path = write(tmp_path, BROKEN)
    with pytest.raises(RuleError, match=r"rules\.yaml has 7 problem\(s\)") as caught:
        load_rules(path)
    assert caught.value.problems[0].startswith(f"{path}, line 5: bad regex")


def test_missing_file_and_missing_rules_list(tmp_path):
    assert validate_rules_file(tmp_path / "nope.yaml") == [
        f"rule file {tmp_path / 'nope.yaml'} not found: check the path"
    ]
    assert validate_rules_file(write(tmp_path, "version: 1\nrulez: []\n")) == [
        "line 2: unknown top-level key 'rulez': use version, extends_defaults, rules",
        "the rule file needs a `rules:` list of rules",
    ]


def test_default_rules_are_valid_and_found_from_the_repo_root():
    assert default_rules_path().is_file()
    assert validate_rules_file(default_rules_path()) == []
    ids = {rule.id for rule in load_rules()}
    assert {
        "pii.email",
        "pii.phone",
        "secret.credential",
        "injection.override",
        "output.low_confidence",
    } <= ids


def test_user_file_overrides_only_the_given_keys_of_a_default_rule(tmp_path):
    rules = load_rules(write(tmp_path, "rules:\n  - {id: pii.phone, action: flag, severity: low}\n"))
    phone = rules.get("pii.phone")
    default_phone = load_rules().get("pii.phone")
    assert (phone.action, phone.severity, phone.detector) == ("flag", "low", "phone")
    assert phone.params == default_phone.params and len(rules) == len(load_rules())


def test_user_file_can_disable_a_default_rule(tmp_path):
    rules = load_rules(write(tmp_path, "rules:\n  - {id: pii.email, enabled: false}\n"))
    assert [h.rule for h in scan("mail jane@example.com", rules=rules).hits] == []


def test_user_file_adds_regex_rules(tmp_path):
    text = (
        "rules:\n  - id: custom.project\n    detector: regex\n    pattern: 'PRJ-\\d{4}'\n    action: block\n"
    )
    rules = load_rules(write(tmp_path, text))
    result = scan("see PRJ-1234 today", rules=rules)
    assert result.blocked and [(h.rule, h.category, h.start, h.end) for h in result.hits] == [
        ("custom.project", "custom", 4, 12)
    ]


def test_extends_defaults_false_uses_only_the_file(tmp_path):
    text = "extends_defaults: false\nrules:\n  - {id: only, detector: keywords, keywords: [secret]}\n"
    rules = load_rules(write(tmp_path, text))
    assert [rule.id for rule in rules] == ["only"]


def test_to_yaml_round_trips():
    rules = load_rules()
    again = rules_from_yaml(rules.to_yaml())
    assert [r.to_dict() for r in again] == [r.to_dict() for r in rules]


def test_regex_that_matches_everything_is_refused():
    with pytest.raises(RuleError, match="matches the empty string"):
        rules_from_yaml("rules:\n  - {id: x, detector: regex, pattern: 'a*'}\n")


def test_rule_dataclass_validates_itself():
    with pytest.raises(RuleError, match=r"unknown action 'explode' in rule 'r1': use one of flag, mask"):
        Rule(id="r1", detector="email", category="email", action="explode")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the rule file is empty: it needs a `rules:` list (see assets/safety/default_rules.yaml)"),
        (
            "rules:\n  - id: a\n    detector: !!python/object:os.system x\n",
            "line 3: value not allowed in a rule file: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object:os.system'",
        ),
        ("extends_defaults: maybe\nrules: []\n", "line 1: `extends_defaults` must be true or false"),
        ("rules:\n  - 5\n", "line 2: the rule on line 2 must be a mapping of `key: value` pairs"),
        (  # a YAMLError raised before the try (found by a fuzz of the command line)
            "rules:\n  - {id: x\x00, detector: keywords, keywords: [a]}\n",
            "line 2: the character U+0000 is not allowed in YAML (a control character, perhaps pasted from "
            "another program): remove it",
        ),
    ],
)
def test_odd_files_are_reported_not_crashed_on(tmp_path, text, problem):
    assert validate_rules_file(write(tmp_path, text)) == [problem]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        # each once got past the check: TypeError on load, or a negative span that crashed masking
        ("{id: p, detector: phone, regions: [[]]}", "setting 'regions' must be a list of strings, got [[]]"),
        ("{id: k, detector: keywords, keywords: [a, 5]}", "setting 'keywords' must be a list of strings"),
        (
            "{id: t, detector: too_long, max_chars: -1, action: mask}",
            "setting 'max_chars' must be at least 1",
        ),
        (
            "{id: n, detector: non_text, min_letter_ratio: .nan}",
            "setting 'min_letter_ratio' must be between 0 and 1, got nan",
        ),
        ("{id: s, detector: secret, min_entropy: -3}", "setting 'min_entropy' must be between 0 and 32"),
        (
            "{id: m, detector: label, model: absent, labels: [x], optional: true, batch_size: 0}",
            "setting 'batch_size' must be between 1 and 4096, got 0",
        ),
    ],
)
def test_settings_of_the_wrong_shape_or_out_of_range_are_refused_with_the_line(rule, problem):
    with pytest.raises(RuleError, match="line 2: " + re.escape(problem)):
        rules_from_yaml(f"rules:\n  - {rule}\n")


def test_the_smallest_length_limit_masks_the_rest_of_a_text():
    rules = rules_from_yaml(
        "extends_defaults: false\nrules:\n  - {id: t, detector: too_long, max_chars: 1, action: mask}\n"
    )
    assert scan("abc", rules=rules).masked_text == "a[REDACTED]"
