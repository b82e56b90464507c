"""YAML from files a user (or a model card from the hub) hands us, with aliases kept in check.

``yaml.safe_load`` refuses unsafe tags but not the "billion laughs": nine lines of anchors and aliases
(``&a [lol, lol ...]``, ``&b [*a, *a ...]``...) load at once as shared lists, yet stand for 387 million
strings, and the first ``repr`` or ``str`` of them (an error message naming the value, a licence joined
from a list) ran for a minute and filled gigabytes. A value may also hold itself (``&a [*a]``). Both are
refused here as a ``yaml.YAMLError`` with the line, so every caller's existing handler reports them.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_ALIAS_GROWTH = 100_000  # values that aliases may add beyond those written in the file


class AliasExpansionError(yaml.constructor.ConstructorError):
    """A value that aliases make far larger than its text, or that contains itself."""


def check_aliases(node: yaml.Node | None, *, limit: int = MAX_ALIAS_GROWTH) -> None:
    """Raise ``AliasExpansionError`` when ``node`` contains itself or aliases add over ``limit`` values."""
    if node is None:
        return
    sizes: dict[int, int] = {}  # expanded size of each node, computed once (the graph is a DAG)
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        children = _children(current)
        if children_done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise AliasExpansionError(
                None,
                None,
                "a value contains itself through a YAML alias (&anchor ... *anchor)",
                current.start_mark,
            )
        on_path.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    extra = sizes[id(node)] - len(sizes)
    if extra > limit:
        raise AliasExpansionError(
            None,
            None,
            f"YAML aliases (*anchor) make this value {sizes[id(node)]:,} values from {len(sizes):,} written; "
            f"at most {limit:,} more than written are accepted: write the values out instead",
            node.start_mark,
        )


def load(text: str) -> Any:
    """``yaml.safe_load(text)``, refusing a document whose aliases expand it without bound."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        check_aliases(node)
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []
