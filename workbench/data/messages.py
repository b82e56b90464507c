"""Phrasing shared by every data message, so row lists and quoted values read the same everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

MAX_LISTED = 10
SNIPPET_CHARS = 60

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def list_items(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """``"a, b, c and 4 more"``: long lists are cut so one bad file cannot flood a message."""
    shown = ", ".join(items[:limit])
    rest = len(items) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def rows_phrase(rows: Sequence[int], unit: str = "row") -> str:
    """``"row 5"`` or ``"rows 5, 9 and 3 more"``."""
    noun = unit if len(rows) == 1 else f"{unit}s"
    return f"{noun} {list_items([str(r) for r in rows])}"


def snippet(text: str, width: int = SNIPPET_CHARS) -> str:
    """A quoted, shortened, control-character-free rendering of a cell for messages and terminals."""
    flat = _CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))
    if len(flat) > width:
        flat = flat[: width - 1] + "…"
    return f"'{flat}'"


def quoted(names: Iterable[str], limit: int = MAX_LISTED) -> str:
    """``"'a', 'b'"`` for column and label names (shortened like :func:`snippet`)."""
    return list_items([snippet(name, 40) for name in names], limit)


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``"1 row"`` / ``"3 rows"``."""
    return f"{count:,} {noun if count == 1 else (plural_form or noun + 's')}"


def verb(count: int, singular: str, plural_form: str) -> str:
    """The verb form agreeing with ``count``: ``verb(1, "has", "have")`` → ``"has"``."""
    return singular if count == 1 else plural_form
