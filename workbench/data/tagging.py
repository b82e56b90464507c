"""Tag schemes of token-level data: IOB1, IOB2 and BIOES (BILOU) read into one internal scheme, IOB2.

IOB2 is what seqeval and the Hugging Face datasets use: every entity starts with ``B-TYPE`` and
continues with ``I-TYPE``; ``O`` is outside. IOB1 starts entities with ``I-`` (``B-`` only splits two
adjacent entities of one type); BIOES marks the last token ``E-`` and one-token entities ``S-``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

OUTSIDE = "O"
IOB1, IOB2, BIOES = "IOB1", "IOB2", "BIOES"
SCHEMES = (IOB1, IOB2, BIOES)
_TAG = re.compile(r"^([BIESLU])[-_](.+)$")
_BIOES_TO_IOB2 = {"B": "B", "I": "I", "E": "I", "L": "I", "S": "B", "U": "B"}


def split_tag(tag: str) -> tuple[str, str | None] | None:
    """``"B-person"`` → ``("B", "person")``, ``"O"`` → ``("O", None)``, anything else → None."""
    if tag == OUTSIDE:
        return OUTSIDE, None
    match = _TAG.match(tag)
    return (match.group(1), match.group(2)) if match else None


def unknown_tags(sequences: Iterable[Sequence[str]]) -> list[str]:
    """Tags that belong to no scheme (``PER``, ``B:PER``, ``o``), in order of first appearance."""
    seen: dict[str, None] = {}
    for tags in sequences:
        for tag in tags:
            if split_tag(tag) is None:
                seen.setdefault(tag)
    return list(seen)


def detect_scheme(sequences: Sequence[Sequence[str]]) -> str:
    """BIOES when ``E-``/``S-`` (or ``L-``/``U-``) appear; IOB1 when most entities open with ``I-``
    (only IOB1 does that on purpose); IOB2 otherwise, with any ``I-`` opening an entity a problem."""
    prefixes = {parts[0] for tags in sequences for tag in tags if (parts := split_tag(tag))}
    if prefixes & {"E", "S", "L", "U"}:
        return BIOES
    opened_by_i = opened_by_b = 0
    for tags in sequences:
        for position, tag in enumerate(tags):
            prefix, kind = split_tag(tag) or (OUTSIDE, None)
            if prefix == "B":
                opened_by_b += 1
            elif prefix == "I" and not continues(tags, position, kind):
                opened_by_i += 1
    return IOB1 if opened_by_i > opened_by_b else IOB2


def continues(tags: Sequence[str], position: int, kind: str | None) -> bool:
    """Whether the tag at ``position`` follows a tag of the same entity type."""
    if position == 0:
        return False
    previous = split_tag(tags[position - 1])
    return previous is not None and previous[0] != OUTSIDE and previous[1] == kind


def broken_continuations(tags: Sequence[str], scheme: str) -> list[int]:
    """Positions of ``I-``/``E-`` tags that do not continue an entity of their type."""
    inner = ("I",) if scheme != BIOES else ("I", "E", "L")
    out = []
    for position, tag in enumerate(tags):
        prefix, kind = split_tag(tag) or (OUTSIDE, None)
        if prefix in inner and not _continues_open(tags, position, kind, scheme):
            out.append(position)
    return out


def _continues_open(tags: Sequence[str], position: int, kind: str | None, scheme: str) -> bool:
    if not continues(tags, position, kind):
        return False
    previous = split_tag(tags[position - 1])
    return scheme != BIOES or (previous is not None and previous[0] in ("B", "I"))


def to_iob2(tags: Sequence[str], scheme: str) -> list[str]:
    """Convert one sentence to IOB2. Any tag opening an entity becomes ``B-`` (seqeval's IOB1→IOB2
    rule: an ``I-X`` after ``O`` or after another type starts a new entity)."""
    out = []
    for position, tag in enumerate(tags):
        prefix, kind = split_tag(tag) or (OUTSIDE, None)
        if prefix == OUTSIDE:
            out.append(OUTSIDE)
            continue
        prefix = _BIOES_TO_IOB2[prefix]
        if prefix == "I" and not (out and out[-1] != OUTSIDE and out[-1][2:] == kind):
            prefix = "B"
        if prefix == "I" and scheme == BIOES and split_tag(tags[position - 1])[0] in ("E", "L", "S", "U"):  # type: ignore[index]
            prefix = "B"  # E-X then I-X: the first entity has ended
        out.append(f"{prefix}-{kind}")
    return out


@dataclass(frozen=True)
class Entity:
    """An entity over words ``start`` .. ``end - 1`` of a sentence."""

    label: str
    start: int
    end: int


def entities_of(tags: Sequence[str]) -> list[Entity]:
    """Entities of an IOB2 sentence (a stray ``I-`` opens one, as seqeval's default mode reads it)."""
    out: list[Entity] = []
    start, kind = None, None
    for position, tag in enumerate([*tags, OUTSIDE]):
        prefix, tag_kind = split_tag(tag) or (OUTSIDE, None)
        if start is not None and (prefix != "I" or tag_kind != kind):
            out.append(Entity(str(kind), start, position))
            start, kind = None, None
        if prefix in ("B", "I") and start is None:
            start, kind = position, tag_kind
    return out


def tag_list(types: Iterable[str]) -> list[str]:
    """The model's label set: ``O`` then ``B-``/``I-`` per entity type, types sorted."""
    return [OUTSIDE, *(f"{p}-{kind}" for kind in sorted(set(types)) for p in ("B", "I"))]


def entity_counts(sequences: Iterable[Sequence[str]]) -> dict[str, int]:
    """Entities per type, types sorted: the ``data check`` table."""
    counter: Counter[str] = Counter(e.label for tags in sequences for e in entities_of(tags))
    return {kind: counter[kind] for kind in sorted(counter)}
