"""Showing explanations without internet: a standalone HTML token heatmap and a plain-text summary.

The HTML is one self-contained fragment (inline CSS, no script, no external URL): the per-label toggle
is CSS-only radio buttons, hover values are ``title`` tooltips, so it works the same in a file, in
``st.components.v1.html`` / ``st.html`` and in Gradio's ``gr.HTML`` (which does not run scripts).
Red pushes toward the selected label, blue away from it (shap's colours).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence

import numpy as np

from explain.result import SCALE_DESCRIPTIONS, TextExplanation, word_values

ENTITY_KEY = "entity"  # ``settings`` key of an entity explanation (``explain.entities``)
GENERATION_KEY = "generation"  # ``settings`` key of a generated-text explanation (``explain.seq2seq``)

POSITIVE_RGB = (255, 0, 81)
NEGATIVE_RGB = (0, 139, 251)

_CSS = """
#{uid} {{font-family: system-ui, sans-serif; font-size: 15px; line-height: 1.9; color: #222}}
#{uid} .wbx-head {{font-size: 13px; color: #555; margin-bottom: 6px}}
#{uid} input[type=radio] {{display: none}}
#{uid} .wbx-tab {{display: inline-block; padding: 2px 10px; margin: 0 4px 6px 0; border: 1px solid #bbb;
  border-radius: 12px; cursor: pointer; font-size: 13px; user-select: none}}
#{uid} .wbx-view {{display: none}}
{toggles}
#{uid} .wbx-row {{padding: 6px 0; border-top: 1px solid #eee; white-space: pre-wrap}}
#{uid} .wbx-meta {{font-size: 12px; color: #666; white-space: normal}}
#{uid} .wbx-t {{border-radius: 3px; padding: 1px 0; cursor: default}}
#{uid} .wbx-t:hover {{outline: 1px solid #333}}
#{uid} .wbx-entity {{border: 2px solid #1e3a8a; border-radius: 4px; padding: 1px 2px}}
#{uid} .wbx-note {{font-size: 12px; color: #a15c00; white-space: normal}}
#{uid} .wbx-legend span {{padding: 0 6px; border-radius: 3px; color: #222}}
"""


def _label_order(results: Sequence[TextExplanation]) -> list[str]:
    seen: list[str] = []
    for r in results:
        seen += [name for name in r.output_names if name not in seen]
    return seen


MAX_ALPHA = 0.6  # the strongest tint keeps dark text above WCAG AA contrast (4.5:1) on red and blue


def _colour(value: float, scale: float) -> str:
    alpha = 0.0 if scale <= 0 else min(1.0, abs(value) / scale) * MAX_ALPHA
    r, g, b = POSITIVE_RGB if value >= 0 else NEGATIVE_RGB
    return f"rgba({r},{g},{b},{alpha:.3f})"


def _token_spans(result: TextExplanation, column: int, scale: float) -> str:
    pieces = []  # (the coloured token, the whitespace after it)
    for token, value in zip(result.tokens, result.values[:, column], strict=True):
        word = token.rstrip()
        tip = f"{word.strip()}: {value:+.4f}"
        pieces.append(
            (
                f'<span class="wbx-t" style="background:{_colour(float(value), scale)}" '
                f'title="{html.escape(tip)}" data-v="{value:.6g}">{html.escape(word)}</span>',
                html.escape(token[len(word) :]),
            )
        )
    entity = result.settings.get(ENTITY_KEY)
    inside = entity_tokens(result.tokens, result.text, entity) if entity else []
    if not inside:
        return "".join(a + b for a, b in pieces)
    first, last = inside[0], inside[-1]
    outlined = "".join(a + b for a, b in pieces[first:last]) + pieces[last][0]
    described = html.escape(_entity_description(entity), quote=True)
    return (
        "".join(a + b for a, b in pieces[:first])
        + f'<span class="wbx-entity" role="group" aria-label="{described}" title="{described}">{outlined}</span>'
        + pieces[last][1]
        + "".join(a + b for a, b in pieces[last + 1 :])
    )


def _entity_description(entity: dict) -> str:
    return f"explained entity: {entity['text']!r} ({entity['label']}, characters {entity['start']}-{entity['end']})"


def entity_tokens(tokens: Sequence[str], text: str, entity: dict) -> list[int]:
    """Indices of the tokens whose characters overlap the entity's span (tokens found in ``text`` in
    order, so the leading space a tokenizer may put on a segment does not shift them)."""
    position, found = 0, []
    for i, token in enumerate(tokens):
        word = token.strip()
        if not word:
            continue
        start = text.find(word, position)
        if start < 0:
            continue
        end = start + len(word)
        position = end
        if start < entity["end"] and entity["start"] < end:
            found.append(i)
    return found


def _row(result: TextExplanation, label: str, scale: float) -> str:
    if label not in result.output_names:
        return f'<div class="wbx-row"><div class="wbx-meta">{html.escape(label)} was not explained for this text.</div></div>'
    i = result.output_names.index(label)
    meta = f"predicted {html.escape(_prediction_text(result))} · " + html.escape(
        score_sentence(label, result.base_values[i], result.values[:, i].sum(), result.outputs[i])
    )
    if result.faithfulness:
        f = result.faithfulness
        meta += (
            f" · deletion check for {html.escape(result.label)}: hiding the top {f.k} tokens "
            f"{-f.top_drop:+.3f}, {f.k} random {-f.random_drop:+.3f}"
        )
    entity = result.settings.get(ENTITY_KEY)
    if entity:
        meta += f" · outlined: the {html.escape(_entity_description(entity))}"
    notes = "".join(f'<div class="wbx-note">{html.escape(n)}</div>' for n in result.notes)
    body = _token_spans(result, i, scale) if result.tokens else "<i>(empty)</i>"
    return f'<div class="wbx-row"><div class="wbx-meta">{meta}</div>{body}{notes}</div>'


def render_html(
    results: TextExplanation | Sequence[TextExplanation], title: str | None = None, label: str | None = None
) -> str:
    """A self-contained HTML fragment: one view per explained label (toggle), one row per text."""
    results = [results] if isinstance(results, TextExplanation) else list(results)
    uid = f"wbx-{uuid.uuid4().hex[:10]}"
    labels = _label_order(results)
    first = labels.index(label) if label in labels else 0
    toggles = "\n".join(
        f"#{uid}-c{i}:checked ~ .wbx-views .wbx-v{i} {{display: block}}\n"
        f"#{uid}-c{i}:checked + label {{background: #333; color: #fff}}"
        for i in range(len(labels))
    )
    parts = [f'<div id="{uid}" class="wbx">', f"<style>{_CSS.format(uid=uid, toggles=toggles)}</style>"]
    scale_name = results[0].scale if results else "logit"
    head = html.escape(title or (f"Model {results[0].model_id}" if results else "No explanations"))
    parts.append(
        f'<div class="wbx-head"><b>{head}</b> · values on the {scale_name} scale '
        f"({html.escape(SCALE_DESCRIPTIONS[scale_name])}) · "
        f'<span class="wbx-legend"><span style="background:{_colour(1, 1)}">red: pushed toward the label</span> '
        f'<span style="background:{_colour(-1, 1)}">blue: pushed away from it</span> '
        "(stronger colour, stronger push; hover a word for its number)</span></div>"
    )
    for i, name in enumerate(labels):
        checked = " checked" if i == first else ""
        parts.append(
            f'<input type="radio" name="{uid}-label" id="{uid}-c{i}"{checked}>'
            f'<label class="wbx-tab" for="{uid}-c{i}">{html.escape(name)}</label>'
        )
    parts.append('<div class="wbx-views">')
    for i, name in enumerate(labels):
        columns = [r.values[:, r.output_names.index(name)] for r in results if name in r.output_names]
        scale = max((float(np.abs(c).max()) for c in columns if c.size), default=0.0)
        rows = "".join(_row(r, name, scale) for r in results)
        parts.append(f'<div class="wbx-view wbx-v{i}">{rows}</div>')
    parts.append("</div></div>")
    return "\n".join(parts)


def score_sentence(label: str, hidden: float, words: float, output: float) -> str:
    """The additive parts in a reviewer's words (no "base value" or "f(x)")."""
    return (
        f"score for {label} with every word hidden {hidden:+.3f}; the words add {words:+.3f};"
        f" score for this text {output:+.3f}"
    )


def _prediction_text(result: TextExplanation) -> str:
    prediction = result.prediction
    if isinstance(prediction, list):
        return "{" + ", ".join(prediction) + "}" if prediction else "no label"
    if isinstance(prediction, float):
        return f"{prediction:.4g}"
    probability = result.probabilities.get(str(prediction))
    return f"{prediction} (p = {probability:.2f})" if probability is not None else str(prediction)


def text_summary(result: TextExplanation, label: str | None = None, k: int = 5) -> str:
    """Plain text: prediction, additivity on the stated scale, top words for and against, checks."""
    if result.settings.get(GENERATION_KEY) is not None:
        from explain.seq2seq import generation_summary

        return generation_summary(result)
    view = result.for_label(label)
    lines = [f"Model {result.model_id} predicts {_prediction_text(result)}."]
    lines.append(
        f'Explaining "{view.label}" on the {result.scale} scale ({SCALE_DESCRIPTIONS[result.scale]}): '
        + score_sentence(view.label, view.base_value, view.values.sum(), view.output)
        + "."
    )
    words, values = word_values(result.tokens, view.values)
    order = np.argsort(-values, kind="stable") if len(words) else []
    toward = [f'"{words[i]}" {values[i]:+.3f}' for i in order if values[i] > 0][:k]
    away = [f'"{words[i]}" {values[i]:+.3f}' for i in reversed(order) if values[i] < 0][:k]
    lines.append(f"Toward {view.label}: " + (", ".join(toward) or "none"))
    lines.append(f"Away from {view.label}: " + (", ".join(away) or "none"))
    if result.faithfulness:
        f = result.faithfulness
        what = "the value" if result.scale == "value" else f"p({view.label})"
        lines.append(
            f"Deletion check: hiding the top {f.k} tokens changes {what} by {-f.top_drop:+.3f}; "
            f"{f.k} random tokens: {-f.random_drop:+.3f}."
        )
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines)


def render_report(results: Sequence[TextExplanation], table: object = None, title: str | None = None) -> str:
    """A standalone HTML page: the heatmap of every text, then the global top-words table."""
    body = render_html(results, title=title)
    if table is not None and hasattr(table, "to_html"):
        body += '\n<h3 style="font-family: system-ui, sans-serif">Top words per label (mean |SHAP|)</h3>\n'
        body += table.to_html(index=False, float_format=lambda v: f"{v:.4f}", border=0)
    heading = html.escape(title or "Explanations")
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{heading}</title></head>'
        f"<body>\n{body}\n</body></html>\n"
    )
