"""Safety rules: detect, mask, block or route to review what a text (or a prediction) trips.

Every prediction the workbench makes or serves carries the hits of these rules; the same rules mask
personal data before it is trained on, logged or exported::

    from workbench.safety import scan
    result = scan("Call me on 13812345678 or jane@example.com")
    result.masked_text   # 'Call me on [PHONE] or [EMAIL]'

Rules live in YAML (``assets/safety/default_rules.yaml`` plus user files); detectors are registered
by name in ``workbench.safety.detectors.DETECTORS``.
"""

from __future__ import annotations

from workbench.safety.engine import (
    add_output_hits,
    check_generated,
    check_output,
    compile_rules,
    mask_text,
    prepare_rules,
    scan,
    scan_batch,
)
from workbench.safety.rules import (
    RuleSet,
    default_rules_path,
    load_rules,
    rules_from_yaml,
    validate_rules_file,
)
from workbench.safety.spec import ACTIONS, SEVERITIES, Hit, Rule, ScanResult
from workbench.safety.workspace import active_rules, resolve_rules, workspace_rules_path

__all__ = [
    "ACTIONS",
    "SEVERITIES",
    "Hit",
    "Rule",
    "RuleSet",
    "ScanResult",
    "active_rules",
    "add_output_hits",
    "check_generated",
    "check_output",
    "compile_rules",
    "default_rules_path",
    "load_rules",
    "mask_text",
    "prepare_rules",
    "resolve_rules",
    "rules_from_yaml",
    "scan",
    "scan_batch",
    "validate_rules_file",
    "workspace_rules_path",
]
