"""The text renderings of the Explain and Safety pages: escaped, spans where the hits are."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.ui.highlight import (
    ENTITY_COLORS,
    ENTITY_LABEL_COLOR,
    SEVERITY_COLORS,
    highlight_entities,
    highlight_hits,
    shap_and_hits,
)

STREAMLIT_TEXT = "#31333F"  # the light theme's text colour, what the highlighted words are drawn in


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


def _rgb(colour: str) -> tuple[float, ...]:
    if colour.startswith("rgba("):
        *rgb, alpha = (float(v) for v in colour[5:-1].split(","))
        return tuple(alpha * c + (1 - alpha) * 255 for c in rgb)  # over the white page
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours."""

    def luminance(colour: str) -> float:
        linear = [
            (c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
            for c in _rgb(colour)
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_tint_keeps_wcag_aa_contrast_for_the_text_on_it():
    strongest = shap_and_hits("up down", ["up ", "down"], [1.0, -1.0], [])
    tints = [part.split(";")[0] for part in strongest.split("background:")[1:]]
    assert len(tints) == 2
    backgrounds = [*SEVERITY_COLORS.values(), *tints]
    assert min(_contrast(STREAMLIT_TEXT, bg) for bg in backgrounds) >= 4.5
    assert min(_contrast(ENTITY_LABEL_COLOR, bg) for bg in ENTITY_COLORS) >= 4.5
    marked = highlight_entities("Ada in Paris", [{"start": 0, "end": 3, "label": "person"}])
    assert f"color:{ENTITY_LABEL_COLOR}'>person</small>" in marked and "opacity" not in marked
