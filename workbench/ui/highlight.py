"""Text with safety hits highlighted, as escaped HTML (user text never becomes markup)."""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from typing import Any

SEVERITY_COLORS = {"low": "#fef9c3", "medium": "#fed7aa", "high": "#fecaca", "critical": "#f87171"}
SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITY_COLORS)}


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
