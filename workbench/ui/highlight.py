"""Text with safety hits highlighted, as escaped HTML (user text never becomes markup)."""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from typing import Any

SEVERITY_COLORS = {"low": "#fef9c3", "medium": "#fed7aa", "high": "#fecaca", "critical": "#f87171"}
SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITY_COLORS)}
SEVERITY_UNDERLINES = {"low": "#ca8a04", "medium": "#ea580c", "high": "#dc2626", "critical": "#7f1d1d"}


def _strongest(hits: Sequence[Any], position: int) -> Any | None:
    covering = [h for h in hits if h.start <= position < h.end]
    return max(covering, key=lambda h: SEVERITY_RANK.get(h.severity, 0)) if covering else None


def highlight_hits(text: str, hits: Sequence[Any]) -> str:
    """``text`` as HTML with each hit's span marked (colour by severity, tooltip with rule and action).

    Overlapping hits show the most severe one; boundaries are computed on the original text.
    """
    if not hits:
        return f"<div class='wb-text'>{html.escape(text)}</div>"
    cuts = sorted({0, len(text), *[h.start for h in hits], *[h.end for h in hits]})
    parts = []
    for start, end in itertools.pairwise(cuts):
        piece = html.escape(text[start:end])
        hit = _strongest(hits, start)
        if hit is None:
            parts.append(piece)
            continue
        color = SEVERITY_COLORS.get(hit.severity, "#e5e7eb")
        title = html.escape(f"{hit.rule} · {hit.category} · {hit.severity} · {hit.action}", quote=True)
        parts.append(
            f"<mark style='background:{color};border-radius:3px;padding:0 2px' title='{title}'>{piece}</mark>"
        )
    return f"<div class='wb-text' style='line-height:1.8'>{''.join(parts)}</div>"


def _shap_colour(value: float, scale: float) -> str:
    """Red toward the label, blue away from it (shap's colours), opacity by strength."""
    strength = min(1.0, abs(value) / scale) if scale > 0 else 0.0
    rgb = "255,0,81" if value >= 0 else "0,139,251"
    # at most 0.55 opaque: Streamlit's text colour keeps WCAG AA contrast (>= 4.5:1) on both tints
    return f"rgba({rgb},{0.1 + 0.45 * strength:.2f})" if strength > 0.02 else "transparent"


def shap_and_hits(
    text: str, tokens: Sequence[str], values: Sequence[float], hits: Sequence[Any]
) -> str | None:
    """One rendering of ``text``: background = SHAP value of each token, underline = safety hit.

    ``tokens`` must join back to ``text`` (the explanation covers the raw text); otherwise None, and
    the caller shows the two views separately.
    """
    if "".join(tokens) != text or len(tokens) != len(values):
        return None
    starts = [0]
    for token in tokens:
        starts.append(starts[-1] + len(token))
    scale = max((abs(v) for v in values), default=0.0)
    cuts = sorted({*starts, *[h.start for h in hits], *[h.end for h in hits]})
    parts = []
    token = 0
    for start, end in itertools.pairwise(cuts):
        while starts[token + 1] <= start:
            token += 1
        style = f"background:{_shap_colour(float(values[token]), scale)};padding:1px 0"
        title = f"SHAP {float(values[token]):+.3f}"
        hit = _strongest(hits, start)
        if hit is not None:
            colour = SEVERITY_UNDERLINES.get(hit.severity, "#b91c1c")
            style += f";border-bottom:3px solid {colour}"
            title += f" · {hit.rule} ({hit.severity}, {hit.action})"
        parts.append(
            f"<span style='{style}' title='{html.escape(title, quote=True)}'>"
            f"{html.escape(text[start:end])}</span>"
        )
    return f"<div class='wb-text' style='line-height:2;font-size:1.05rem'>{''.join(parts)}</div>"


ENTITY_COLORS = ("#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#ede9fe", "#ffedd5", "#cffafe", "#f3f4f6")
# the entity type after each span: solid gray-700, 7:1 or more on every tint above (WCAG AA asks 4.5:1;
# the 70 % opacity it had gave 4.4:1 on blue)
ENTITY_LABEL_COLOR = "#374151"


def entity_color(label: str, labels: Sequence[str]) -> str:
    ordered = sorted(set(labels))
    return ENTITY_COLORS[ordered.index(label) % len(ENTITY_COLORS)] if label in ordered else ENTITY_COLORS[-1]


def highlight_entities(text: str, entities: Sequence[dict[str, Any]], labels: Sequence[str] = ()) -> str:
    """``text`` as HTML with each entity span marked and its type shown after it (escaped text)."""
    known = list(labels) or [e["label"] for e in entities]
    parts, position = [], 0
    for entity in sorted(entities, key=lambda e: e["start"]):
        start, end = int(entity["start"]), int(entity["end"])
        if start < position:
            continue  # overlapping spans are a data error; show the first
        parts.append(html.escape(text[position:start]))
        color = entity_color(entity["label"], known)
        score = f" · {entity['score']:.2f}" if entity.get("score") is not None else ""
        title = html.escape(f"{entity['label']}{score}", quote=True)
        parts.append(
            f"<mark style='background:{color};border-radius:3px;padding:0 2px' title='{title}'>"
            f"{html.escape(text[start:end])} <small style='font-weight:600;color:{ENTITY_LABEL_COLOR}'>"
            f"{html.escape(entity['label'])}</small></mark>"
        )
        position = end
    parts.append(html.escape(text[position:]))
    return f"<div class='wb-text' style='line-height:1.9'>{''.join(parts)}</div>"
