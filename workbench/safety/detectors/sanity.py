"""Input sanity: texts a classifier cannot give a meaningful answer for.

An empty text, a text far longer than the model reads, a blob that is mostly digits and symbols, or
stray control characters (often a sign of a broken export or an attempt to confuse a tokenizer).
Whole-text problems report the span of the whole text.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.safety.detectors.base import Candidate, Detector, Param, PatternDetector, register_detector

_ASCII_NON_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())


def count_letters(text: str) -> int:
    """Letters in ``text`` (any script); pure-ASCII text takes a byte-level fast path."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_NON_LETTERS))
    return sum(map(str.isalpha, text))  # 3x faster than a regex findall


@register_detector
class EmptyInputDetector(Detector):
    name = "empty_input"
    category = "input_sanity"
    description = "Empty or whitespace-only text: there is nothing to classify."

    def find(self, text: str) -> list[Candidate]:
        return [] if text.strip() else [Candidate(0, len(text), "empty")]


@register_detector
class TooLongDetector(Detector):
    name = "too_long"
    category = "input_sanity"
    description = "Text longer than `max_chars`: the model would silently read only its beginning."
    params: ClassVar = {"max_chars": Param(int, 20_000, "Longest text accepted, in characters.", low=1)}

    def find(self, text: str) -> list[Candidate]:
        limit = self.settings["max_chars"]
        return [Candidate(limit, len(text), "too_long")] if len(text) > limit else []


@register_detector
class NonTextDetector(Detector):
    name = "non_text"
    category = "input_sanity"
    description = (
        "Mostly digits, symbols or encoded data: fewer than `min_letter_ratio` of the characters are letters."
    )
    params: ClassVar = {
        "min_letter_ratio": Param(
            (int, float),
            0.25,
            "Share of letters (spaces not counted) below which a text is not prose.",
            low=0,
            high=1,
        ),
        "min_chars": Param(
            int, 40, "Texts with fewer visible characters are not judged (`card 4111...`).", low=0
        ),
    }

    def find(self, text: str) -> list[Candidate]:
        if len(text) < self.settings["min_chars"]:
            return []
        enough = self.settings["min_letter_ratio"] * len(text)  # even counting the spaces
        if not text.isascii() and count_letters(text.encode("ascii", "ignore").decode()) >= enough:
            return []  # the ASCII letters alone are enough (mixed text): skip the per-character count
        letters = count_letters(text)  # spaces are not letters: the same count as without them
        if letters >= enough:
            return []
        visible = len(text) - sum(map(str.isspace, text))
        if visible < self.settings["min_chars"] or letters >= self.settings["min_letter_ratio"] * visible:
            return []
        return [Candidate(0, len(text), "non_text")]


@register_detector
class ControlCharsDetector(PatternDetector):
    name = "control_chars"
    category = "input_sanity"
    description = "Control characters other than tab and newlines (C0, DEL, C1)."
    placeholder = "CTRL"
    pattern = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+"

    def worth_scanning(self, text: str) -> bool:
        return not text.isprintable()  # one fast C loop; tabs and newlines also land here
