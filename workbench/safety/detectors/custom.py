"""Detectors a user configures in a rule file: a regular expression, or a list of keywords."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from workbench.safety.detectors.base import Candidate, Param, PatternDetector, register_detector


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` does not compile (with the column of the mistake), or None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        return f"bad regex {pattern!r}: {exc.msg}{where}"
    return None


@register_detector
class RegexDetector(PatternDetector):
    name = "regex"
    category = "custom"
    description = "Your own regular expression (Python `re` syntax); `group` makes only that group the hit."
    params: ClassVar = {
        "pattern": Param(str, None, "The regular expression, e.g. '\\bPRJ-\\d{4}\\b'.", required=True),
        "ignore_case": Param(bool, False, "Match regardless of case."),
        "group": Param((int, str), 0, "Which group is the hit (0 = the whole match)."),
    }

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        problem = regex_problem(settings["pattern"])
        if problem:
            return {"pattern": problem}
        compiled = re.compile(settings["pattern"])
        if compiled.match("") is not None:
            return {
                "pattern": f"regex {settings['pattern']!r} matches the empty string: every text would hit"
            }
        group = settings.get("group", 0)
        if group not in (0, *compiled.groupindex) and not (
            isinstance(group, int) and group <= compiled.groups
        ):
            return {"group": f"group {group!r} does not exist in regex {settings['pattern']!r}"}
        return {}

    def build_flags(self) -> int:
        return re.IGNORECASE if self.settings["ignore_case"] else 0

    def build_pattern(self) -> str:
        return self.settings["pattern"]

    def validate(self, match: re.Match[str], text: str) -> Candidate | None:
        start, end = match.span(self.settings["group"])
        return Candidate(start, end) if end > start else None


@register_detector
class KeywordDetector(PatternDetector):
    name = "keywords"
    category = "custom"
    description = "Any of a list of words or phrases (one combined pattern, longest first)."
    params: ClassVar = {
        "keywords": Param(list, None, "The words or phrases to look for.", required=True),
        "case_sensitive": Param(bool, False, "Match case exactly."),
        "whole_word": Param(bool, True, "Only whole words (`cat` does not hit `category`)."),
    }

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        words = settings["keywords"]
        bad = [w for w in words if not isinstance(w, str) or not w.strip()]
        if not words or bad:
            return {"keywords": f"keywords must be a non-empty list of non-empty strings, got {words!r}"}
        return {}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.lowercase = not self.settings["case_sensitive"]  # match the lower-cased text (fast)

    def build_pattern(self) -> str:
        words = self.settings["keywords"]
        if not self.settings["case_sensitive"]:
            words = [word.lower() for word in words]
        return keyword_pattern(words, whole_word=self.settings["whole_word"])


def keyword_pattern(keywords: list[str], *, whole_word: bool) -> str:
    """One alternation of escaped keywords, longest first so `credit card` wins over `credit`."""
    words = sorted({w.strip() for w in keywords}, key=len, reverse=True)
    body = "|".join(re.escape(w) for w in words)
    if not whole_word:
        return f"(?:{body})"
    # Word edges only where the keyword starts/ends with a Latin letter or digit: "C++" still matches,
    # and Chinese keywords match anywhere (Chinese has no spaces between words).
    word = "[A-Za-z0-9_]"
    return rf"(?:(?<!{word})(?={word})|(?!{word}))(?:{body})(?:(?<={word})(?!{word})|(?<!{word}))"
