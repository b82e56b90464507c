"""The detector contract and the registry that maps a rule's ``detector:`` name to a class.

A detector finds *candidates* in a text: spans that passed its cheap validation (a checksum, a parse,
an entropy test). It knows nothing about severity or actions; the rule that uses it decides those.
Patterns are compiled when a detector is built (once per rule set), never at import time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple


class Candidate(NamedTuple):
    """A validated span ``text[start:end]``, which variant of the detector fired, and how sure it is
    (1.0: the check passed; lower: shape and context only, e.g. an SSN right after "ssn" that fails
    the allocation rules)."""

    start: int
    end: int
    detail: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Param:
    """One setting a rule may give its detector, with its type and default (for validation and docs)."""

    kind: type | tuple[type, ...]
    default: Any = None
    help: str = ""
    required: bool = False
    low: float | None = None  # inclusive bounds of a number setting (NaN is outside any bounds)
    high: float | None = None


class Detector:
    """Base class of input detectors: ``find(text)`` returns validated candidates.

    Class attributes describe the detector to ``rules list`` and to the engine: ``pii`` detectors are
    masked by ``mask_text`` whatever their rule's action, and ``priority`` decides which of two PII
    detectors keeps an overlapping span (a valid SSN is not also reported as a phone number).
    """

    name: ClassVar[str] = ""
    category: ClassVar[str] = ""
    description: ClassVar[str] = ""
    stage: ClassVar[str] = "input"
    placeholder: ClassVar[str] = "REDACTED"
    pii: ClassVar[bool] = False
    priority: ClassVar[int] = 0
    params: ClassVar[Mapping[str, Param]] = {}

    def __init__(self, **settings: Any) -> None:
        self.settings = {key: spec.default for key, spec in self.params.items()}
        self.settings.update(settings)

    @classmethod
    def param_problems(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        """Problems with the settings a rule gives, keyed by setting name (for line numbers)."""
        problems: dict[str, str] = {}
        for key, value in settings.items():
            spec = cls.params.get(key)
            if spec is None:
                known = ", ".join(cls.params) or "none"
                problems[key] = f"unknown setting {key!r} for detector {cls.name!r} (known: {known})"
            elif not isinstance(value, spec.kind) or isinstance(value, bool) is not (spec.kind is bool):
                problems[key] = f"setting {key!r} must be {_kind_name(spec.kind)}, got {value!r}"
            elif spec.kind is list and not all(isinstance(item, str) for item in value):
                # every list setting is of names or words: a nested list or a number must not reach
                # check_settings (`[[]] in SUPPORTED_REGIONS` raised TypeError, found by a fuzz)
                problems[key] = f"setting {key!r} must be a list of strings, got {value!r}"
            elif not _within(value, spec.low, spec.high):
                problems[key] = f"setting {key!r} must be {_range_name(spec.low, spec.high)}, got {value!r}"
        for key, spec in cls.params.items():
            if spec.required and key not in settings:
                problems[key] = f"detector {cls.name!r} needs the setting {key!r}: {spec.help}"
        typed = {key: value for key, value in settings.items() if key in cls.params and key not in problems}
        if all(key in typed for key, spec in cls.params.items() if spec.required):
            for key, problem in cls.check_settings(typed).items():
                problems.setdefault(key, problem)
        return problems

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        """Deeper checks of well-typed settings (a regex that does not compile...); override as needed."""
        return {}

    def find(self, text: str) -> list[Candidate]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Build now what the detector otherwise builds on first use (a server does this before its first
        request: the injection families' per-kind regexes take about a second)."""


class PatternDetector(Detector):
    """A detector with one precompiled pattern whose matches are validated one by one.

    ``validate(match, text)`` returns the candidate to keep (possibly a narrower span) or ``None``; it
    only runs on the few matches of a text, so it can afford a checksum or a library parse.

    Speed notes (a scan must stay far below 200 µs for a 200-character text): a pattern should start
    with a literal or a character class so ``re`` can skip ahead, not with ``\\b`` or a look-behind
    (put such checks after the first character or in ``validate``). ``lowercase = True`` matches a
    lower-cased copy of the text with lower-case patterns, several times faster than ``IGNORECASE``.
    """

    pattern: ClassVar[str] = ""
    flags: ClassVar[int] = 0
    lowercase: ClassVar[bool] = False

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.regex = re.compile(self.build_pattern(), self.build_flags())

    def build_pattern(self) -> str:
        return self.pattern

    def build_flags(self) -> int:
        return self.flags

    def worth_scanning(self, text: str) -> bool:
        """A cheap necessary condition checked before the pattern runs (``str.isascii`` is O(1))."""
        return True

    def find(self, text: str) -> list[Candidate]:
        if not self.worth_scanning(text):
            return []
        found = []
        for match in self.regex.finditer(lower_same_length(text) if self.lowercase else text):
            candidate = self.validate(match, text)
            if candidate is not None:
                found.append(candidate)
        return found

    def validate(self, match: re.Match[str], text: str) -> Candidate | None:
        """The candidate for ``match`` (found in ``text`` or its lower-cased copy), or None to drop it."""
        return Candidate(match.start(), match.end(), match.lastgroup or "")


def lower_same_length(text: str) -> str:
    """``text.lower()`` with every span unchanged: the few characters whose lower case is longer
    (``İ`` → ``i̇``) keep only their first lower-case character."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else "".join(ch.lower()[0] for ch in text)


def context_before(text: str, start: int, words: re.Pattern[str], window: int = 32) -> bool:
    """Whether ``words`` occurs in the ``window`` characters before ``start`` (Presidio-style context)."""
    return words.search(text, max(0, start - window), start) is not None


def starts_word(text: str, start: int) -> bool:
    """True when ``text[start]`` is not preceded by an ASCII letter or digit (a cheap ``\\b``)."""
    return start == 0 or not (text[start - 1].isascii() and text[start - 1].isalnum())


class BranchSet:
    """Named lists of regex branches compiled as one *flat* alternation.

    ``re`` rejects a branch in one step when its first item (a literal or a character class) does not
    match the current character, but only if the branch is not wrapped in a group: a named group per
    kind made the secret scan six times slower. So the kinds are not groups; the kind of a match is
    recovered afterwards by ``kind_of`` (matches are rare, scanning is not).
    """

    def __init__(
        self, branches: Mapping[str, Sequence[str]], flags: int = 0, *, word_start: bool = False
    ) -> None:
        kinds = {kind: list(items) for kind, items in branches.items() if items}
        every = [branch for items in kinds.values() for branch in items]
        source = factor_first_letters(every, word_start=word_start)
        self.regex = re.compile(source, flags) if source else None
        first = first_char_class(every)
        self.gate = re.compile(first, flags) if first is not None else None
        # Compiled on first use: ``kind_of`` runs only on matches, and compiling every kind up front
        # doubled the first scan's cost (seconds for the injection families) in every new process.
        self._kinds = {kind: "|".join(items) for kind, items in kinds.items()}
        self._flags = flags
        self._compiled_kinds: dict[str, re.Pattern[str]] = {}

    def _kind_regexes(self) -> Iterator[tuple[str, re.Pattern[str]]]:
        for kind, source in self._kinds.items():
            regex = self._compiled_kinds.get(kind)
            if regex is None:  # two threads may both compile it: the same pattern, harmless
                regex = self._compiled_kinds[kind] = re.compile(source, self._flags)
            yield kind, regex

    def compile_kinds(self) -> None:
        """Compile every kind's regex now rather than on the first match of that kind."""
        for _ in self._kind_regexes():
            pass

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.regex is None or (self.gate is not None and self.gate.search(text) is None):
            return iter(())
        return self.regex.finditer(text)

    def kind_of(self, value: str | re.Match[str]) -> str:
        """The first kind whose branches match all of ``value``; given the match itself, matched in place,
        so look-behinds see the text before it (a byte-order mark that is not at the start)."""
        if isinstance(value, str):
            return next((kind for kind, regex in self._kind_regexes() if regex.fullmatch(value)), "")
        for kind, regex in self._kind_regexes():
            found = regex.match(value.string, value.start())
            if found is not None and found.end() == value.end():
                return kind
        return ""


_LEADING_CLASS = re.compile(r"\[(?!\^)((?:\\.|[^\]\\])+)\]")
_LEADING_CODE_POINT = re.compile(r"(\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2})")
_REGEX_SPECIALS = frozenset(".^$*+?{}[]\\|()")


def first_char_class(branches: Sequence[str]) -> str | None:
    """One character class holding every character a match of ``branches`` can start with, or None
    when a branch starts with something else (a group, ``\\s``, an optional item).

    Searched first, it rejects in one fast pass a text that cannot match: ``re`` skips ahead only for a
    class or for branches that all start with a literal, so a class-led branch (zero-width characters)
    would otherwise be tried at every position of every text."""
    parts = []
    for branch in branches:
        leading = _LEADING_CLASS.match(branch) or _LEADING_CODE_POINT.match(branch)
        if leading is not None:
            part, rest = leading.group(1), branch[leading.end() :]
        elif branch[:1] == "\\" and len(branch) > 1 and not branch[1].isalnum():
            part, rest = branch[:2], branch[2:]
        elif branch and branch[0] not in _REGEX_SPECIALS:
            part, rest = re.escape(branch[0]), branch[1:]
        else:
            return None
        if rest[:1] in ("?", "*", "{"):
            return None
        parts.append(part)
    return "[" + "".join(parts) + "]" if parts else None


def factor_first_letters(branches: Sequence[str], *, word_start: bool = False) -> str:
    """``ignore...|instead...|disregard...`` as ``i(?:gnore...|nstead...)|disregard...``: equivalent, but
    ``re`` tries each top-level branch at every position, so fewer top-level branches scan faster
    (about 3x with a hundred phrase branches). Only branches that start with a plain lower-case letter
    followed by another plain character are grouped."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for branch in branches:
        if len(branch) > 1 and branch[0].isalpha() and branch[0].islower() and branch[1] not in "?*+{|\\":
            groups.setdefault(branch[0], []).append(branch[1:])
        else:
            others.append(branch)
    factored = [
        letter + rests[0] if len(rests) == 1 else f"{letter}(?:{'|'.join(rests)})"
        for letter, rests in groups.items()
    ]
    if word_start and factored:
        # Letter branches only where a word starts (not after an ASCII letter or digit): one cheap
        # look-behind per position instead of trying every branch inside words (about 30 % faster).
        factored = ["(?<![a-z0-9])(?:" + "|".join(factored) + ")"]
    return "|".join([*factored, *others])


def split_top_level(pattern: str) -> list[str]:
    """The top-level branches of a regex source (``|`` outside groups and classes)."""
    branches, depth, start, in_class, index = [], 0, 0, False, 0
    while index < len(pattern):
        ch = pattern[index]
        if ch == "\\":
            index += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
        index += 1
    branches.append(pattern[start:])
    return branches


DETECTORS: dict[str, type[Detector]] = {}


def register_detector(cls: type[Detector]) -> type[Detector]:
    """Class decorator: make ``cls`` available to rule files under ``cls.name``."""
    if not cls.name or not cls.category:
        raise TypeError(f"detector {cls.__name__} needs a name and a category")
    if cls.name in DETECTORS and DETECTORS[cls.name] is not cls:
        raise TypeError(f"detector name {cls.name!r} is already registered by {DETECTORS[cls.name].__name__}")
    DETECTORS[cls.name] = cls
    return cls


def shannon_entropy(value: str) -> float:
    """Bits per character: random keys score ~4-6, words and placeholders much less."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def _within(value: Any, low: float | None, high: float | None) -> bool:
    if low is None and high is None:
        return True
    return (low is None or value >= low) and (high is None or value <= high)  # NaN: both False


def _range_name(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}"


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "a string", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)
