"""Numbered placeholders for text that a model rewrites (translation): personal data goes in as ``[1]``,
``[2]``... and the originals are put back where the model wrote the placeholders.

The typed masks of ``scan`` (``[EMAIL]``) are fine for logs but not for a translation: two e-mails
would come back as two identical ``[EMAIL]`` and could not be told apart, and a model may translate
the word inside. A numbered token survives tokenisation and copying far better (see
``benchmarks/seq2seq_placeholders.py``, which measures each style on a model), and the restoring pattern
tolerates the spaces and case changes tokenisers introduce (``[ 1 ]``, ``__pii1__``).

A placeholder the model dropped or repeated is never fixed silently: ``restore_placeholders`` reports
it as a ``PlaceholderProblem`` and the caller routes the row to review.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from workbench.errors import SpecError
from workbench.safety.spec import ScanResult


@dataclass(frozen=True)
class PlaceholderStyle:
    """How placeholder number ``n`` is written into the text, and how it is found again afterwards."""

    name: str
    template: str  # ``{n}`` is the number
    pattern: str  # tolerant regex with a group ``n`` (matched case-insensitively)
    description: str

    def render(self, number: int) -> str:
        return self.template.format(n=number)

    @functools.cached_property
    def finder(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


PLACEHOLDER_STYLES: dict[str, PlaceholderStyle] = {
    style.name: style
    for style in (
        PlaceholderStyle(
            "bracket", "[{n}]", r"\[\s*(?P<n>\d+)\s*\]", "a number in square brackets, like a citation"
        ),
        PlaceholderStyle(
            "dunder",
            "__PII{n}__",
            r"_\s*_\s*PII\s*(?P<n>\d+)\s*_\s*_",
            "a PII word between double underscores",
        ),
        PlaceholderStyle("angle", "<PII_{n}>", r"<\s*PII\s*_\s*(?P<n>\d+)\s*>", "a tag in angle brackets"),
    )
}
DEFAULT_STYLE = "bracket"


def placeholder_style(name: str) -> PlaceholderStyle:
    try:
        return PLACEHOLDER_STYLES[name]
    except KeyError:
        known = ", ".join(PLACEHOLDER_STYLES)
        raise SpecError(f"Unknown placeholder style {name!r}. Choose one of: {known}.") from None


@dataclass(frozen=True)
class MaskedSource:
    """A source text with its masked spans replaced by numbered placeholders.

    ``values`` are the original pieces (raw personal data: keep in memory, never log them); placeholder
    ``first + i`` hides ``values[i]``, which came from ``spans[i]`` of the original text and was found by
    rule ``rules[i]``. ``typed[i]`` is the scan's typed mask (``[EMAIL]``) used in logs.
    """

    text: str
    values: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    rules: tuple[str, ...]
    typed: tuple[str, ...]
    first: int
    style: PlaceholderStyle

    def token(self, i: int) -> str:
        return self.style.render(self.first + i)


@dataclass(frozen=True)
class PlaceholderProblem:
    """A placeholder the output lost or repeated: the row needs a person."""

    token: str
    rule: str
    span: tuple[int, int]  # of the original value in the source text
    typed: str
    count: int

    @property
    def message(self) -> str:
        what = "lost" if self.count == 0 else f"repeated {self.count} times"
        return (
            f"placeholder {self.token} ({self.typed}, rule {self.rule}) was {what} in the output: "
            "check the text at this place by hand"
        )


@dataclass(frozen=True)
class RestoredText:
    """The output with the originals back in place (``text``), the same output with typed masks for
    logs (``masked_text``), and what went wrong (empty when each placeholder came back exactly once)."""

    text: str
    masked_text: str
    problems: tuple[PlaceholderProblem, ...]


def mask_with_placeholders(
    text: str, scan: ScanResult, style: PlaceholderStyle | str = DEFAULT_STYLE
) -> MaskedSource:
    """``text`` with every span the scan masked replaced by a numbered placeholder.

    Numbers start above any number the text already writes in this style (a real ``[1]`` in the source
    is left alone and never mistaken for a placeholder)."""
    style = placeholder_style(style) if isinstance(style, str) else style
    existing = [int(m.group("n")) for m in style.finder.finditer(text)]
    first = max(existing, default=0) + 1
    pieces, cursor = [], 0
    for i, (start, end) in enumerate(scan.placeholder_sources):
        pieces += [text[cursor:start], style.render(first + i)]
        cursor = end
    pieces.append(text[cursor:])
    return MaskedSource(
        text="".join(pieces),
        values=tuple(text[s:e] for s, e in scan.placeholder_sources),
        spans=tuple(scan.placeholder_sources),
        rules=tuple(rule for _, _, rule in scan.placeholder_spans),
        typed=tuple(scan.masked_text[s:e] for s, e, _ in scan.placeholder_spans),
        first=first,
        style=style,
    )


def restore_placeholders(output: str, masked: MaskedSource) -> RestoredText:
    """Put the original values back where ``output`` has their placeholders; report lost or repeated ones."""
    counts = [0] * len(masked.values)

    def index_of(match: re.Match[str]) -> int | None:
        i = int(match.group("n")) - masked.first
        return i if 0 <= i < len(masked.values) else None

    def original(match: re.Match[str]) -> str:
        i = index_of(match)
        if i is None:
            return match.group(0)
        counts[i] += 1
        return masked.values[i]

    def typed(match: re.Match[str]) -> str:
        i = index_of(match)
        return match.group(0) if i is None else masked.typed[i]

    restored = masked.style.finder.sub(original, output)
    problems = tuple(
        PlaceholderProblem(masked.token(i), masked.rules[i], masked.spans[i], masked.typed[i], count)
        for i, count in enumerate(counts)
        if count != 1
    )
    return RestoredText(restored, masked.style.finder.sub(typed, output), problems)
