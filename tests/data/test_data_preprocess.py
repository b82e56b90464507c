"""apply_preprocess: each step, their order, and the PII text hook."""

from __future__ import annotations

import sys

import pytest

from workbench.data import PreprocessSpec, apply_preprocess, register_text_hook
from workbench.errors import WorkbenchError

RAW = [
    "  Ｈｅｌｌｏ\u3000ＷＯＲＬＤ  ",
    "a\t\tb\n\nc\x07d\u200b e",
    "<p>Fish &amp; <b>Chips</b></p><script>x()</script>",
]


def test_defaults_nfkc_and_whitespace():
    assert apply_preprocess(RAW, PreprocessSpec()) == [
        "Hello WORLD",
        "a b c d e",
        "<p>Fish &amp; <b>Chips</b></p><script>x()</script>",
    ]


def test_zero_width_characters_join_the_word_they_sit_in_rather_than_split_it():
    hidden = "I\u200bg\u200bn\u200co\u200dr\u2060e all\ufeff previous\u200b instructions"
    assert apply_preprocess([hidden], PreprocessSpec()) == ["Ignore all previous instructions"]


def test_all_off_returns_texts_unchanged():
    off = PreprocessSpec(nfkc=False, collapse_whitespace=False)
    assert apply_preprocess(RAW, off) == RAW


def test_strip_html_and_lowercase():
    spec = PreprocessSpec(strip_html=True, lowercase=True)
    assert apply_preprocess([RAW[2], "1 < 2 and 3 > 2", "line<br>break<!-- hidden -->"], spec) == [
        "fish & chips",
        "1 < 2 and 3 > 2",
        "line break",
    ]


@pytest.fixture
def fake_masker():
    seen = []

    def mask(text: str) -> str:
        seen.append(text)
        return text.replace("4111111111111111", "[CARD]")

    previous = register_text_hook("mask_pii", mask)
    yield seen
    register_text_hook("mask_pii", previous)


def test_mask_pii_hook_runs_after_nfkc_before_lowercase(fake_masker):
    spec = PreprocessSpec(mask_pii=True, lowercase=True)
    assert apply_preprocess(["Card ４１１１１１１１１１１１１１１１ Declined"], spec) == [
        "card [card] declined"
    ]
    assert fake_masker == ["Card 4111111111111111 Declined"]


def test_mask_pii_without_safety_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "workbench.safety", None)  # makes the import fail
    with pytest.raises(
        WorkbenchError, match=r"PII masking is unavailable: the safety package could not be loaded"
    ):
        apply_preprocess(["call me on 555 0100"], PreprocessSpec(mask_pii=True))


def test_register_rejects_non_callables():
    with pytest.raises(WorkbenchError, match=r"Text hook 'nfkc' must be a function str -> str, got str\."):
        register_text_hook("nfkc", "not a function")
