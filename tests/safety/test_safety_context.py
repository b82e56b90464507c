"""Context-aware personal data (as Presidio does it): a number that fails its check is still reported,
at lower confidence, when a word right before it says what it is; without the word it stays quiet."""

from __future__ import annotations

import pytest

from workbench.safety import scan
from workbench.safety.detectors.checksums import CONTEXT_CONFIDENCE


def pii_hits(text: str) -> list[tuple[str, str, float]]:
    return [(h.category, text[h.start : h.end], h.confidence) for h in scan(text).hits]


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("my ssn is 078-05-1120", "national_id", "078-05-1120"),  # the Woolworth number stdnum rejects
        ("Social Security number: 666-12-3456", "national_id", "666-12-3456"),
        ("身份证号 110105194912310021", "national_id", "110105194912310021"),
        ("card number 4111 1111 1111 1112", "credit_card", "4111 1111 1111 1112"),
        ("IBAN DE89 3704 0044 0532 0130 01", "iban", "DE89 3704 0044 0532 0130 01"),
    ],
)
def test_a_failing_number_after_its_context_word_is_a_lower_confidence_hit(text, category, value):
    assert pii_hits(text) == [(category, value, CONTEXT_CONFIDENCE)]
    assert f"[{category.upper()}]" in scan(text).masked_text  # masked like any personal data


@pytest.mark.parametrize(
    "text",
    ["ticket 078-05-1120", "ref 666-12-3456", "编号110105194912310021", "order 4111 1111 1111 1112"],
)
def test_shape_only_matches_without_context_stay_quiet(text):
    assert pii_hits(text) == []


def test_a_valid_number_keeps_full_confidence_and_says_so_in_logs():
    hit = scan("SSN 536-90-4399").hits[0]
    assert (hit.detail, hit.confidence) == ("us_ssn", 1.0)
    assert scan("my ssn is 078-05-1120").hits[0].to_log_dict()["confidence"] == CONTEXT_CONFIDENCE


def phone_hits(text: str, rules=None) -> list[tuple[str, str, float]]:
    return [
        (text[h.start : h.end], h.detail, h.confidence)
        for h in scan(text, rules=rules).hits
        if h.category == "phone"
    ]


def test_a_possible_but_not_valid_international_number_is_a_phone():
    """+44 7700 900123 is in the UK's drama range: not *valid* to phonenumbers, yet what people type."""
    assert phone_hits("+44 7700 900123") == [("+44 7700 900123", "GB, possible", 0.6)]
    assert phone_hits("call me on +44 20 7946 0958") == [("+44 20 7946 0958", "GB", 1.0)]


def test_a_number_without_country_code_never_gets_a_guessed_region():
    """Issue 24: "07700 900123" was labelled CN; without a workspace region it says so."""
    assert phone_hits("07700 900123") == [("07700 900123", "region unknown", 1.0)]
    assert phone_hits("call 13812345678") == [("13812345678", "region unknown", 1.0)]


def test_the_workspace_default_region_labels_national_numbers(tmp_path, monkeypatch):
    from workbench.safety import active_rules, workspace_rules_path

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    workspace_rules_path().parent.mkdir(parents=True, exist_ok=True)
    workspace_rules_path().write_text("rules:\n  - {id: pii.phone, default_region: GB}\n")
    rules = active_rules()
    assert phone_hits("07700 900123", rules) == [("07700 900123", "GB, possible", 0.6)]
    assert phone_hits("ring 020 7946 0958", rules) == [("020 7946 0958", "GB", 1.0)]
    assert phone_hits("order 0770090012 shipped", rules) == []  # a bare digit run needs a phone word


def test_an_unknown_default_region_is_a_rule_file_problem():
    from workbench.errors import RuleError
    from workbench.safety import load_rules, rules_from_yaml

    with pytest.raises(RuleError, match="unknown default_region 'UK': use an ISO code such as GB"):
        rules_from_yaml("rules:\n  - {id: pii.phone, default_region: UK}\n", extend=load_rules())
