"""The text renderings of the Explain and Safety pages: escaped, spans where the hits are."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.ui.highlight import highlight_hits, shap_and_hits


@dataclass
class FakeHit:
    start: int
    end: int
    rule: str = "pii.email"
    category: str = "email"
    severity: str = "medium"
    action: str = "mask"


def test_hits_are_marked_on_the_original_text_and_the_rest_is_escaped():
    text = "<b>x</b> a@b.co"
    out = highlight_hits(text, [FakeHit(9, 15)])
    assert "&lt;b&gt;x&lt;/b&gt; " in out
    assert "title='pii.email · email · medium · mask'>a@b.co</mark>" in out


def test_overlapping_hits_show_the_most_severe():
    out = highlight_hits("abcdef", [FakeHit(0, 4, rule="low.one", severity="low"), FakeHit(2, 6, rule="hi")])
    assert "title='low.one · email · low · mask'>ab</mark>" in out
    assert "title='hi · email · medium · mask'>cd</mark>" in out


def test_shap_and_hits_colour_tokens_and_underline_hits():
    tokens, values = ["mail ", "me ", "a@b.co"], [0.5, -0.5, 0.0]
    out = shap_and_hits("mail me a@b.co", tokens, values, [FakeHit(8, 14)])
    # the strongest tint is 0.55 opaque, so the text on it keeps WCAG AA contrast
    assert "background:rgba(255,0,81,0.55)" in out and "background:rgba(0,139,251,0.55)" in out
    assert "border-bottom:3px solid #ea580c" in out and "pii.email (medium, mask)" in out


def test_shap_and_hits_refuses_tokens_that_do_not_rebuild_the_text():
    assert shap_and_hits("Hello", ["hello"], [0.1], []) is None
