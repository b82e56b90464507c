"""Detectors a user configures in a rule file: a regular expression, or a list of keywords."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import regex

from workbench.safety.detectors.base import Candidate, Detector, Param, PatternDetector, register_detector

# A user's regex runs on hostile text: with ``re``, ``(a|aa)+$`` takes 4 s on 30 characters and
# months on 60, stalling the scan (and a server's worker) for good. The ``regex`` module (mrab-regex, which
# transformers already installs) reads ``re``'s syntax, avoids much of that backtracking (``(a+)+$`` is
# instant there) and can stop a match after a time limit; what is left is refused on load or cut short.
_BACKTRACK_PROBE_LENGTH = 64
_BACKTRACK_PROBE_LIMIT = 0.05  # seconds: a linear regex needs microseconds for 65 characters
_PROBE_CHARS = "a0 A_-./@"
_REGEX_SYNTAX = frozenset("\\()[]{}|^$*+?.")


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` does not compile (with the position of the mistake), or None."""
    try:
        _compile(pattern)
    except regex.error:
        try:  # re's messages say more ("missing ), unterminated subpattern at position 0")
            re.compile(pattern)
        except re.error as plain:
            exc = plain
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        return f"bad regex {pattern!r}: {exc.msg}{where}"
    return None


def backtracking_problem(compiled: regex.Pattern[str]) -> str | None:
    """Why the regex would stall a scan (it backtracks catastrophically on a short probe), or None.

    Each probe is a run of one character, taken from the pattern's own letters and a few common ones, or
    the pattern's letters in their order repeated, ended by a character that does not fit (most such
    regexes blow up exactly there: ``(a|aa)+$`` on ``aaaa...!``, ``(ab|a|b)+$`` on ``abab...!``)."""
    pattern = compiled.pattern
    letters = [ch for ch in pattern if ch.isprintable() and ch not in _REGEX_SYNTAX]
    runs = [ch * _BACKTRACK_PROBE_LENGTH for ch in dict.fromkeys(letters + list(_PROBE_CHARS))]
    if len(set(letters)) > 1:
        runs.append(("".join(letters) * _BACKTRACK_PROBE_LENGTH)[:_BACKTRACK_PROBE_LENGTH])
    for run in runs:
        probe = run + "\x00"
        try:
            for _ in compiled.finditer(probe, timeout=_BACKTRACK_PROBE_LIMIT):
                pass
        except TimeoutError:
            return (
                f"regex {pattern!r} backtracks catastrophically: it took over {_BACKTRACK_PROBE_LIMIT} s "
                f"on {run[:8]!r}... ({_BACKTRACK_PROBE_LENGTH} characters) followed by another one, so a "
                "hostile text of a few dozen characters would stall every scan. Make the repeated part "
                "match one way only (`a+` rather than `(a|aa)+`, `\\w+` rather than `(\\w+\\s?)+`), "
                "possessive (`a++`) or atomic (`(?>a+)`)"
            )
    return None


def _compile(pattern: str, flags: int = 0) -> regex.Pattern[str]:
    return regex.compile(pattern, flags | regex.VERSION0)


@register_detector
class RegexDetector(Detector):
    name = "regex"
    category = "custom"
    description = (
        "Your own regular expression (Python `re` syntax; also `\\p{L}` and variable-width look-behinds); "
        "`group` makes only that group the hit. A scan of one text stops after `time_limit` seconds."
    )
    params: ClassVar = {
        "pattern": Param(str, None, "The regular expression, e.g. '\\bPRJ-\\d{4}\\b'.", required=True),
        "ignore_case": Param(bool, False, "Match regardless of case."),
        "group": Param((int, str), 0, "Which group is the hit (0 = the whole match)."),
        "time_limit": Param(
            (int, float),
            0.25,
            "Seconds one text may take; past them the rest of the text is one hit (not checked, so the "
            "rule's action applies to it).",
        ),
    }

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        limit = settings.get("time_limit", 0.25)
        if not 0 < limit <= 60:
            problems["time_limit"] = f"time_limit must be more than 0 and at most 60 seconds, got {limit!r}"
        problem = regex_problem(settings["pattern"])
        if problem:
            return {**problems, "pattern": problem}
        flags = regex.IGNORECASE if settings.get("ignore_case") else 0
        compiled = _compile(settings["pattern"], flags)
        if compiled.match("") is not None:
            problems["pattern"] = (
                f"regex {settings['pattern']!r} matches the empty string: every text would hit"
            )
            return problems
        group = settings.get("group", 0)
        if group not in (0, *compiled.groupindex) and not (
            isinstance(group, int) and 0 <= group <= compiled.groups
        ):
            problems["group"] = f"group {group!r} does not exist in regex {settings['pattern']!r}"
        problem = backtracking_problem(compiled)
        if problem:
            problems["pattern"] = problem
        return problems

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.regex = _compile(
            self.settings["pattern"], regex.IGNORECASE if self.settings["ignore_case"] else 0
        )

    def find(self, text: str) -> list[Candidate]:
        found: list[Candidate] = []
        checked = 0  # the text is known to be checked up to here
        group = self.settings["group"]
        limit = self.settings["time_limit"]
        try:  # concurrent: other threads of a server run while a long text is matched (no GIL held)
            for match in self.regex.finditer(text, timeout=limit, concurrent=True):
                start, end = match.span(group)
                checked = match.end()
                if end > start:
                    found.append(Candidate(start, end))
        except TimeoutError:
            detail = f"timed out after {limit} s: characters {checked}-{len(text)} not checked"
            found.append(Candidate(checked, len(text), detail))
        return found


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
