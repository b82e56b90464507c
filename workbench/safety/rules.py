"""Rule files: YAML in, a validated ``RuleSet`` out, every problem reported with its line.

The YAML is *composed* (not just loaded) so each rule and each of its keys keeps the line it came
from; a file with a bad regex on line 12 and an unknown action on line 30 reports both at once.
A user file extends the default set: a rule with a new id is added, a rule with a default id
overrides the keys it gives (``- {id: pii.phone, action: flag}`` only changes the action).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import RuleError
from workbench.safe_yaml import AliasExpansionError, check_aliases
from workbench.safety.detectors import DETECTORS
from workbench.safety.spec import Rule, rule_field_problems

RULE_FIELDS = ("id", "detector", "category", "severity", "action", "enabled", "description", "placeholder")
TOP_LEVEL_KEYS = ("version", "extends_defaults", "rules")


def default_rules_path() -> Path:
    """``assets/safety/default_rules.yaml`` at the repository root (works for editable installs)."""
    override = os.environ.get("WORKBENCH_SAFETY_DEFAULT_RULES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "assets" / "safety" / "default_rules.yaml"


@dataclass(frozen=True, eq=False)
class RuleSet:
    """An ordered, immutable set of rules with unique ids (the engine compiles it once and caches it)."""

    rules: tuple[Rule, ...]
    source: str = "<rules>"

    def __post_init__(self) -> None:
        seen: set[str] = set()
        duplicates = [r.id for r in self.rules if r.id in seen or seen.add(r.id)]  # type: ignore[func-returns-value]
        if duplicates:
            raise RuleError(f"duplicate rule ids in {self.source}: {', '.join(duplicates)}")

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def to_yaml(self) -> str:
        """The rule set as a rule file (``extends_defaults: false`` so it stands on its own)."""
        document = {"version": 1, "extends_defaults": False, "rules": [rule.to_dict() for rule in self.rules]}
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)


def load_rules(path: str | os.PathLike[str] | None = None) -> RuleSet:
    """The default rules, extended or overridden by the rule file at ``path`` (None: defaults only).

    Raises ``RuleError`` listing every problem of the file, each with its line number.
    """
    defaults = _default_rule_set()
    if path is None:
        return defaults
    rules, problems = _parse_file(Path(path), defaults)
    if problems:
        raise RuleError(_summary(str(path), problems), [f"{path}, {p}" for p in problems])
    return RuleSet(tuple(rules), source=str(path))


def validate_rules_file(path: str | os.PathLike[str]) -> list[str]:
    """Every problem of a rule file as ``line N: ...`` (empty list: the file is valid)."""
    return _parse_file(Path(path), _default_rule_set())[1]


def rules_from_yaml(text: str, *, source: str = "<rules>", extend: RuleSet | None = None) -> RuleSet:
    """A rule set from YAML text (tests, the UI's rule editor); raises ``RuleError`` on any problem."""
    rules, problems = _parse_text(text, source, extend or RuleSet(()))
    if problems:
        raise RuleError(_summary(source, problems), problems)
    return RuleSet(tuple(rules), source=source)


def _summary(source: str, problems: list[str]) -> str:
    """The exception message: every problem, so ``str(exc)`` alone is enough to fix the file."""
    return f"{source} has {len(problems)} problem(s): " + "; ".join(problems)


@functools.cache
def _default_rule_set() -> RuleSet:
    path = default_rules_path()
    if not path.is_file():
        raise RuleError(
            f"default safety rules not found at {path}: reinstall the workbench from its repository "
            "(`pip install -e .`) or set WORKBENCH_SAFETY_DEFAULT_RULES to a rule file"
        )
    rules, problems = _parse_text(path.read_text(encoding="utf-8"), str(path), RuleSet(()))
    if problems:
        raise RuleError(f"the default rule file {path} is broken", [f"{path}, {p}" for p in problems])
    return RuleSet(tuple(rules), source=str(path))


def _parse_file(path: Path, defaults: RuleSet) -> tuple[list[Rule], list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [f"rule file {path} not found: check the path"]
    except IsADirectoryError:
        return [], ["it is a folder, not a rule file: give the path of a YAML file"]
    except OSError as exc:  # no permission, a device...
        return [], [f"it could not be read ({exc.strerror or exc}): check the path"]
    except UnicodeDecodeError as exc:
        return [], [f"rule file {path} is not UTF-8 text ({exc.reason} at byte {exc.start})"]
    return _parse_text(text, str(path), defaults)


def _parse_text(text: str, source: str, defaults: RuleSet) -> tuple[list[Rule], list[str]]:
    """Rules and problems of one rule file; ``defaults`` are extended unless the file says otherwise."""
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses NULs and other control characters here
        root = loader.get_single_node()
    except yaml.reader.ReaderError as exc:  # no line of its own: counted from the position
        line = text.count("\n", 0, exc.position) + 1
        point = ord(exc.character) if isinstance(exc.character, str) else exc.character
        return [], [
            f"line {line}: the character U+{point:04X} is not allowed in YAML (a control "
            "character, perhaps pasted from another program): remove it"
        ]
    except yaml.YAMLError as exc:
        return [], [_yaml_problem(exc, "YAML syntax error")]
    if root is None:
        return [], ["the rule file is empty: it needs a `rules:` list (see assets/safety/default_rules.yaml)"]
    problems: list[str] = []
    top = _mapping_items(root, loader, problems, what="the rule file")
    for key, (_, key_line) in top.items():
        if key not in TOP_LEVEL_KEYS:
            problems.append(
                f"line {key_line}: unknown top-level key {key!r}: use {', '.join(TOP_LEVEL_KEYS)}"
            )
    extends = _construct(loader, top["extends_defaults"][0], problems) if "extends_defaults" in top else True
    if not isinstance(extends, bool):
        problems.append(f"line {top['extends_defaults'][1]}: `extends_defaults` must be true or false")
    base = defaults if extends is not False else RuleSet(())
    if "rules" not in top or not isinstance(top["rules"][0], yaml.SequenceNode):
        where = f"line {top['rules'][1]}: " if "rules" in top else ""
        return [], [*problems, f"{where}the rule file needs a `rules:` list of rules"]
    merged = {rule.id: rule for rule in base}
    first_line: dict[str, int] = {}
    for node in top["rules"][0].value:
        rule = _parse_rule(node, loader, merged, first_line, problems)
        if rule is not None:
            merged[rule.id] = rule
    return list(merged.values()), sorted(problems, key=_line_of)


def _line_of(problem: str) -> int:
    """The line a ``line N: ...`` problem points at (0 for file-level problems), to sort by."""
    head = problem.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0


def _yaml_problem(exc: yaml.YAMLError, what: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    line = f"line {mark.line + 1}: " if mark else ""
    return f"{line}{what}: {getattr(exc, 'problem', None) or exc}"


_INVALID = object()


def _construct(loader: yaml.SafeLoader, node: yaml.Node, problems: list[str], line: int | None = None) -> Any:
    """The Python value of ``node``; unsafe tags (``!!python/object``) and aliases that expand it without
    bound (the "billion laughs") become a problem, not a crash or a hang. ``line``: where the value is
    used (an alias's own node is where its anchor was written)."""
    try:
        check_aliases(node)
        return loader.construct_object(node, deep=True)
    except AliasExpansionError as exc:
        where = line or (exc.problem_mark.line + 1 if exc.problem_mark else 0)
        problems.append(f"line {where}: value not allowed in a rule file: {exc.problem}")
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(exc, "value not allowed in a rule file"))
    return _INVALID


def _mapping_items(
    node: yaml.Node, loader: yaml.SafeLoader, problems: list[str], what: str
) -> dict[str, tuple[yaml.Node, int]]:
    """A YAML mapping as ``key -> (value node, line)``, reporting duplicate keys and non-mappings."""
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"line {line}: {what} must be a mapping of `key: value` pairs")
        return {}
    items: dict[str, tuple[yaml.Node, int]] = {}
    for key_node, value_node in node.value:
        key = str(_construct(loader, key_node, problems))
        key_line = key_node.start_mark.line + 1
        if key in items:
            problems.append(
                f"line {key_line}: duplicate key {key!r} in {what} (first on line {items[key][1]})"
            )
        items[key] = (value_node, key_line)
    return items


def _parse_rule(
    node: yaml.Node,
    loader: yaml.SafeLoader,
    merged: dict[str, Rule],
    first_line: dict[str, int],
    problems: list[str],
) -> Rule | None:
    """One rule entry; appends its problems (with lines) and returns None when it is unusable."""
    line = node.start_mark.line + 1
    items = _mapping_items(node, loader, problems, what=f"the rule on line {line}")
    if not items:
        return None
    values = {key: _construct(loader, value, problems, key_line) for key, (value, key_line) in items.items()}
    if any(value is _INVALID for value in values.values()):
        return None
    lines = {key: key_line for key, (_, key_line) in items.items()}
    rule_id = values.get("id")
    if rule_id is None:
        problems.append(
            f"line {line}: rule has no `id`: give every rule a unique id such as `custom.codename`"
        )
        return None
    if str(rule_id) in first_line:
        problems.append(
            f"line {line}: duplicate rule id {rule_id!r} (first defined on line {first_line[str(rule_id)]})"
        )
        return None
    first_line[str(rule_id)] = line
    fields = _merge_with_default(values, merged.get(str(rule_id)))
    rule_problems = _rule_problems(fields, lines, line)
    if rule_problems:
        problems.extend(rule_problems)
        return None
    return _build_rule(fields, line)


def _merge_with_default(values: dict[str, Any], default: Rule | None) -> dict[str, Any]:
    """A user entry for a default id overrides only the keys it gives (unless it changes the detector)."""
    if default is None or values.get("detector", default.detector) != default.detector:
        return dict(values)
    return {**default.to_dict(), **values}


def _rule_problems(fields: dict[str, Any], lines: dict[str, int], line: int) -> list[str]:
    def at(key: str) -> str:
        return f"line {lines.get(key, line)}: "

    rule_id = fields["id"]
    detector = fields.get("detector")
    field_problems = rule_field_problems(
        rule_id, fields.get("action", "flag"), fields.get("severity", "medium"), fields.get("placeholder")
    )
    problems = [at(key) + problem for key, problem in field_problems.items()]
    for key, kind in (("enabled", bool), ("description", str), ("category", str)):
        if key in fields and not isinstance(fields[key], kind):
            problems.append(
                at(key) + f"`{key}` of rule {rule_id!r} must be {kind.__name__}, got {fields[key]!r}"
            )
    if detector is None:
        problems.append(at("id") + f"rule {rule_id!r} has no `detector`: use one of {', '.join(DETECTORS)}")
    elif not isinstance(detector, str) or detector not in DETECTORS:
        problems.append(
            at("detector")
            + f"unknown detector {detector!r} in rule {rule_id!r}: use one of {', '.join(DETECTORS)}"
        )
    else:
        settings = {k: v for k, v in fields.items() if k not in RULE_FIELDS}
        for key, problem in DETECTORS[detector].param_problems(settings).items():
            problems.append(at(key) + f"{problem} (rule {rule_id!r})")
    return problems


def _build_rule(fields: dict[str, Any], line: int) -> Rule:
    detector = DETECTORS[fields["detector"]]
    return Rule(
        id=str(fields["id"]),
        detector=detector.name,
        category=fields.get("category") or detector.category,
        severity=fields.get("severity", "medium"),
        action=fields.get("action", "flag"),
        enabled=fields.get("enabled", True),
        description=fields.get("description", "") or "",
        placeholder=fields.get("placeholder"),
        params={k: v for k, v in fields.items() if k not in RULE_FIELDS},
        line=line,
    )
