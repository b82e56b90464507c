"""Text clean-up applied identically at training and prediction time.

Each step of :class:`PreprocessSpec` is a named text hook in a small registry, run in
:data:`STEP_ORDER` when its spec field is on. Registering a hook under an existing name replaces
its implementation (how tests fake PII masking, and how a deployment could plug in its own).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

from workbench.data.spec import PreprocessSpec
from workbench.errors import WorkbenchError

TextHook = Callable[[str], str]

# HTML first (entities may decode to full-width forms), NFKC before PII masking (so full-width digits
# are seen as digits), lower-casing after masking (detectors may rely on case), whitespace last.
STEP_ORDER = ("strip_html", "nfkc", "mask_pii", "lowercase", "collapse_whitespace")

_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_BREAKING_TAG = re.compile(r"<(br|p|div|li|tr|h[1-6])\b[^<>]*>|</(p|div|li|tr|h[1-6])\s*>", re.IGNORECASE)
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
# Zero-width characters join what stands around them: "ig\u200bnore" is "ignore" to a reader and to a
# BERT tokenizer (which drops them). Made spaces, they cut every word they sit in into letters
# ("i g n o r e"): the injection classifier then read an order written so as noise.
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]+")


def strip_html(text: str) -> str:
    """Drop tags, comments, scripts and styles; decode entities (``&amp;`` → ``&``)."""
    if "<" in text:
        text = _SCRIPT_OR_STYLE.sub(" ", text)
        text = _COMMENT.sub(" ", text)
        text = _BREAKING_TAG.sub(" ", text)
        text = _TAG.sub("", text)
    return html.unescape(text) if "&" in text else text


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def lowercase(text: str) -> str:
    return text.lower()


def collapse_whitespace(text: str) -> str:
    """One space for each run of whitespace or control characters, zero-width characters dropped; no
    outer spaces."""
    return _SPACE_OR_CONTROL.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def mask_pii(text: str) -> str:
    """Delegate to the safety package, imported only when masking is asked for."""
    try:
        from workbench.safety import mask_text
    except ImportError as exc:
        raise WorkbenchError(
            f"PII masking is unavailable: the safety package could not be loaded ({exc}). "
            "Turn off 'mask_pii' or install the full workbench."
        ) from None
    return mask_text(text)


_TEXT_HOOKS: dict[str, TextHook] = {
    "strip_html": strip_html,
    "nfkc": nfkc,
    "mask_pii": mask_pii,
    "lowercase": lowercase,
    "collapse_whitespace": collapse_whitespace,
}


def register_text_hook(name: str, fn: TextHook) -> TextHook | None:
    """Register ``fn`` under ``name`` and return the hook it replaces (to restore it later)."""
    if not callable(fn):
        raise WorkbenchError(f"Text hook {name!r} must be a function str -> str, got {type(fn).__name__}.")
    previous = _TEXT_HOOKS.get(name)
    _TEXT_HOOKS[name] = fn
    return previous


def text_hook(name: str) -> TextHook:
    try:
        return _TEXT_HOOKS[name]
    except KeyError:
        raise WorkbenchError(
            f"No text hook named {name!r}; registered hooks: {', '.join(sorted(_TEXT_HOOKS))}."
        ) from None


def apply_preprocess(texts: list[str], spec: PreprocessSpec) -> list[str]:
    """Run the steps switched on in ``spec`` over every text, in :data:`STEP_ORDER`."""
    hooks = [text_hook(step) for step in STEP_ORDER if getattr(spec, step)]
    if not hooks:
        return list(texts)
    cleaned = []
    for text in texts:
        value = "" if text is None else str(text)
        for hook in hooks:
            value = hook(value)
        cleaned.append(value)
    return cleaned
