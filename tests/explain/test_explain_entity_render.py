"""The per-entity heat map is the classification one with the explained entity outlined (a border
with an accessible name), so a reader sees which words the colours explain."""

from __future__ import annotations

import re

import numpy as np

from explain.render import entity_tokens, render_html
from explain.result import TextExplanation

TOKENS = ["the ", "movie ", "ada ", "went ", "to ", "new ", "york", "."]
ENTITY = {"start": 22, "end": 30, "label": "location", "score": 0.9, "text": "new york"}


def made(settings: dict) -> TextExplanation:
    values = np.array([[0.1], [-0.2], [0.05], [0.3], [0.4], [0.9], [0.8], [0.0]])
    return TextExplanation(
        model_id="toy-ner", text="".join(TOKENS), pair=None, tokens=TOKENS, values=values,
        base_values=np.zeros(1), outputs=values.sum(axis=0), output_names=["B-location"],
        prediction="location", probabilities={}, scale="logit", settings=settings,
    )  # fmt: skip


def test_the_explained_entity_is_outlined_with_a_label():
    page = render_html(made({"entity": ENTITY}))
    outlined = re.findall(
        r'<span class="wbx-entity" role="group" aria-label="([^"]+)" title="([^"]+)">(.*?)</span></span>',
        page,
    )
    assert len(outlined) == 1
    label, title, inner = outlined[0]
    assert label == title == "explained entity: &#x27;new york&#x27; (location, characters 22-30)"
    assert re.sub(r"<[^>]+>", "", inner + "</span>") == "new york"  # the entity's words, and only them
    assert ".wbx-entity {border: 2px solid #1e3a8a" in page
    assert "outlined: the explained entity: &#x27;new york&#x27; (location, characters 22-30)" in page


def test_whole_text_explanations_have_no_outline():
    assert 'wbx-entity"' not in render_html(made({}))
    assert 'class="wbx-entity"' not in render_html(made({}))


def test_entity_tokens_follow_the_text_not_a_leading_space():
    assert entity_tokens([" ada", " went"], "ada went", {"start": 0, "end": 3}) == [0]
    assert entity_tokens(TOKENS, "".join(TOKENS), ENTITY) == [5, 6]
    assert entity_tokens(TOKENS, "".join(TOKENS), {"start": 30, "end": 31}) == [7]
