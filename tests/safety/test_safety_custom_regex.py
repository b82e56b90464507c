"""A user's own regex rule against hostile text: refused on load when it backtracks catastrophically,
cut short (and the unchecked rest reported) when a text still takes too long."""

from __future__ import annotations

import pytest

from workbench.errors import RuleError
from workbench.safety import scan
from workbench.safety.detectors.custom import RegexDetector
from workbench.safety.rules import RuleSet, rules_from_yaml, validate_rules_file
from workbench.safety.spec import Rule


def _rule_file(pattern: str, **extra: object) -> str:
    settings = "".join(f", {key}: {value}" for key, value in extra.items())
    return f"rules:\n  - {{id: custom.x, detector: regex, pattern: '{pattern}', action: block{settings}}}\n"


@pytest.mark.parametrize(("pattern", "probe"), [("(a|aa)+$", "'aaaaaaaa'"), ("(ab|a|b)+$", "'abababab'")])
def test_a_regex_that_backtracks_catastrophically_is_refused_with_its_line_and_a_fix(
    tmp_path, pattern, probe
):
    path = tmp_path / "rules.yaml"
    path.write_text(_rule_file(pattern), encoding="utf-8")
    [problem] = validate_rules_file(path)
    assert problem.startswith(
        f"line 2: regex '{pattern}' backtracks catastrophically: it took over 0.05 s on "
    )
    assert probe in problem and "possessive (`a++`) or atomic" in problem


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bPRJ-\d{4}\b",
        "(a+)+$",
        r"(\w+\s?)+$",
        r"[\w.-]+@[\w-]+\.\w+",
        r"\p{Lu}{3}-\d+",
        r"(?<=ticket\s+)\d+",
    ],
)
def test_ordinary_regexes_load_and_the_regex_module_syntax_is_accepted(pattern):
    # (a+)+$ would stall Python's re; the regex module answers it at once, so it is not refused
    rules = rules_from_yaml(_rule_file(pattern))
    assert rules.get("custom.x").params["pattern"] == pattern


def test_a_unicode_class_and_a_variable_look_behind_find_their_spans():
    rules = rules_from_yaml(_rule_file(r"(?<=ticket\s+)\p{Lu}{3}-\d+"))
    assert [(h.start, h.end) for h in scan("see ticket   ÉTÉ-42 now", rules=rules).hits] == [(13, 19)]


def test_a_text_that_takes_too_long_is_cut_short_and_the_unchecked_rest_is_the_hit():
    # A rule built in code skips the load check; on this text Python's re needs ~0.4 s and finds nothing
    rule = Rule(
        id="custom.ab",
        detector="regex",
        category="custom",
        action="block",
        params={"pattern": "(ab|a|b)+$", "time_limit": 0.05},
    )
    text = "x ab " + "ab" * 20 + "!"
    result = scan(text, rules=RuleSet((rule,)))
    assert result.blocked
    [hit] = result.hits
    assert (hit.start, hit.end) == (0, len(text))
    assert hit.detail == f"timed out after 0.05 s: characters 0-{len(text)} not checked"


def test_matches_found_before_the_time_limit_are_kept():
    detector = RegexDetector(pattern=r"ab(?=c)|(ab|a|b)+$", time_limit=0.05)
    found = detector.find("abc " + "ab" * 20 + "!")
    assert found[0][:3] == (0, 2, "")
    assert found[-1].detail.startswith("timed out after 0.05 s: characters 2-") and found[-1].end == 45


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"time_limit": 0}, "time_limit must be more than 0 and at most 60 seconds, got 0"),
        ({"time_limit": 600}, "time_limit must be more than 0 and at most 60 seconds, got 600"),
        ({"time_limit": "fast"}, "setting 'time_limit' must be a whole number or a number, got 'fast'"),
        ({"group": -1}, "group -1 does not exist in regex 'b'"),
    ],
)
def test_absurd_settings_are_refused(extra, problem):
    with pytest.raises(RuleError, match="line 2: " + problem.replace("(", r"\(").replace(")", r"\)")):
        rules_from_yaml(_rule_file("b", **extra))
