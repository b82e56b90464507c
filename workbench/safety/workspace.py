"""Which rules are in force: the defaults, extended by the workspace rule file or a file the user names.

The workspace keeps one user rule file, ``$WORKBENCH_HOME/safety/rules.yaml`` (edited on the Safety
page). Every prediction path (CLI ``predict``, the Explain page, the review queue) asks
``active_rules`` so they all judge a text by the same rules. Loaded rule sets are kept per file
version (path, modification time, size): a page rerun does not re-parse and re-compile the rules,
while a saved edit is picked up at once.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from workbench.config import workspace_home
from workbench.safety.rules import RuleSet, load_rules

_CACHE_SIZE = 8
_CACHE: dict[tuple[str, int, int], RuleSet] = {}
_CACHE_LOCK = threading.Lock()


def workspace_rules_path() -> Path:
    """``$WORKBENCH_HOME/safety/rules.yaml`` (it may not exist: then the defaults apply)."""
    return workspace_home() / "safety" / "rules.yaml"


def active_rules(rules_file: str | os.PathLike[str] | None = None) -> RuleSet:
    """The rules a prediction is judged by.

    ``rules_file`` given: the defaults extended by that file (as ``workbench scan --rules``); else the
    defaults extended by the workspace rule file when there is one; else the defaults. A broken file
    raises ``RuleError`` with every problem and its line.
    """
    if rules_file is not None:
        return _load_cached(Path(rules_file))
    path = workspace_rules_path()
    return _load_cached(path) if path.is_file() else load_rules(None)


def resolve_rules(rules: RuleSet | str | os.PathLike[str] | None) -> RuleSet:
    """A rule set as given, or the ``active_rules`` of a rule file path (None: workspace or defaults)."""
    return rules if isinstance(rules, RuleSet) else active_rules(rules)


def _load_cached(path: Path) -> RuleSet:
    try:
        stat = path.stat()
    except OSError:
        return load_rules(path)  # raises RuleError saying the file is missing
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    rules = load_rules(path)
    with _CACHE_LOCK:
        _CACHE[key] = rules
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
    return rules
