"""Typed contracts of the safety rules: a rule, one hit of a rule, and the result of scanning one text.

A ``Hit`` is what crosses every boundary (JSON, logs, CSV exports, the review queue). It never carries
the raw matched text: only its span in the original text and a ``masked_preview``, so a hit can be
logged or exported without leaking the personal data it points at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import RuleError


@dataclass(frozen=True)
class ActionEffect:
    """What an action does to a scan result (the engine reads these flags, never action names)."""

    description: str
    masks: bool = False
    blocks: bool = False
    reviews: bool = False


ACTION_EFFECTS: dict[str, ActionEffect] = {
    "flag": ActionEffect("report the hit; the text is used as it is"),
    "mask": ActionEffect("replace the match by a typed placeholder such as [EMAIL]", masks=True),
    "block": ActionEffect("no prediction: the result says which rule blocked it and where", blocks=True),
    "review": ActionEffect("predict, but route the text to the review queue", reviews=True),
}
ACTIONS = tuple(ACTION_EFFECTS)
SEVERITIES = ("low", "medium", "high", "critical")
RULE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
PLACEHOLDER_PATTERN = re.compile(r"^[A-Z0-9_]+$")


@dataclass(frozen=True)
class Rule:
    """One safety rule: which detector runs, how serious a hit is and what is done about it."""

    id: str = field(
        metadata={"help": "Unique rule id, e.g. `pii.email`; user files override defaults by id."}
    )
    detector: str = field(metadata={"help": "Registered detector (`email`, `regex`, `low_confidence`...)."})
    category: str = field(metadata={"help": "What kind of problem a hit is (`email`, `secret`...)."})
    severity: str = field(default="medium", metadata={"help": f"One of {', '.join(SEVERITIES)}."})
    action: str = field(default="flag", metadata={"help": f"One of {', '.join(ACTIONS)}."})
    enabled: bool = field(default=True, metadata={"help": "Disabled rules are kept but never run."})
    description: str = field(default="", metadata={"help": "Why the rule exists, shown in `rules list`."})
    placeholder: str | None = field(
        default=None,
        metadata={"help": "Mask text without brackets (`EMAIL` → `[EMAIL]`); default per detector."},
    )
    params: Mapping[str, Any] = field(
        default_factory=dict, metadata={"help": "Detector settings (`pattern`, `keywords`, `threshold`...)."}
    )
    line: int | None = field(default=None, compare=False, metadata={"help": "Line in the rule file."})

    def __post_init__(self) -> None:
        problems = list(rule_field_problems(self.id, self.action, self.severity, self.placeholder).values())
        if problems:
            where = f"line {self.line}: " if self.line else ""
            raise RuleError(problems[0], [where + p for p in problems])

    def to_dict(self) -> dict[str, Any]:
        """The YAML/JSON form of the rule (the same keys a rule file uses)."""
        data: dict[str, Any] = {
            "id": self.id,
            "detector": self.detector,
            "category": self.category,
            "severity": self.severity,
            "action": self.action,
            "enabled": self.enabled,
        }
        if self.description:
            data["description"] = self.description
        if self.placeholder:
            data["placeholder"] = self.placeholder
        data.update(self.params)
        return data


def rule_field_problems(rule_id: Any, action: Any, severity: Any, placeholder: Any = None) -> dict[str, str]:
    """Problems of the plain fields of a rule keyed by field, worded for a person editing the rule file."""
    problems = {}
    if not isinstance(rule_id, str) or not RULE_ID_PATTERN.match(rule_id):
        problems["id"] = (
            f"rule id {rule_id!r} is invalid: use letters, digits and `._:-`, starting with a letter or digit"
        )
    if action not in ACTIONS:
        problems["action"] = f"unknown action {action!r} in rule {rule_id!r}: use one of {', '.join(ACTIONS)}"
    if severity not in SEVERITIES:
        problems["severity"] = (
            f"unknown severity {severity!r} in rule {rule_id!r}: use one of {', '.join(SEVERITIES)}"
        )
    if placeholder is not None and not (
        isinstance(placeholder, str) and PLACEHOLDER_PATTERN.match(placeholder)
    ):
        problems["placeholder"] = (
            f"placeholder {placeholder!r} in rule {rule_id!r} must be upper-case letters, digits or `_` (e.g. EMAIL)"
        )
    return problems


@dataclass(frozen=True)
class Hit:
    """One place where a rule fired. ``start``/``end`` index the original text (end exclusive)."""

    rule: str
    category: str
    severity: str
    action: str
    start: int
    end: int
    masked_preview: str = field(metadata={"help": "The matched text in masked form; never the raw match."})
    detail: str = field(default="", metadata={"help": "Which variant fired (`cn_ric`, `aws_access_key`...)."})
    confidence: float = field(
        default=1.0,
        metadata={
            "help": "1.0 when the check passed; lower for a context-only match (shape + a word such as `ssn`)."
        },
    )

    def to_json_dict(self) -> dict[str, Any]:
        """The hit as ``workbench scan --json`` prints it."""
        return {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "action": self.action,
            "start": self.start,
            "end": self.end,
        }

    def to_log_dict(self) -> dict[str, Any]:
        """The hit for prediction logs and exports: the JSON form plus the masked preview and detail."""
        return {
            **self.to_json_dict(),
            "preview": self.masked_preview,
            "detail": self.detail,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class ScanResult:
    """What the rules found in one text and what was done about it.

    ``masked_text`` has every ``mask`` hit replaced by its typed placeholder (``[EMAIL]``);
    ``placeholder_spans`` locates each placeholder inside ``masked_text`` (start, end, rule id) so a UI
    can highlight the masked text while ``Hit`` spans highlight the original; ``placeholder_sources``
    holds, in the same order, the span of the original text each placeholder hides.
    """

    hits: list[Hit]
    masked_text: str
    blocked: bool = False
    block_reason: str | None = None
    needs_review: bool = False
    placeholder_spans: tuple[tuple[int, int, str], ...] = ()
    placeholder_sources: tuple[tuple[int, int], ...] = ()
    notes: tuple[
        str, ...
    ] = ()  # "rule id: why it gave no verdict or judged part" (a model that cannot read the text)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``workbench scan --json`` payload (``notes`` only when a rule could not judge all of the text)."""
        payload = {
            "hits": [hit.to_json_dict() for hit in self.hits],
            "masked": self.masked_text,
            "blocked": self.blocked,
            "block_reason": self.block_reason,
            "needs_review": self.needs_review,
        }
        return {**payload, "notes": list(self.notes)} if self.notes else payload

    def to_log_dict(self) -> dict[str, Any]:
        """What a prediction log may keep: masked text and masked previews only."""
        return {**self.to_json_dict(), "hits": [hit.to_log_dict() for hit in self.hits]}
