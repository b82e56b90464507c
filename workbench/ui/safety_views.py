"""Safety page pieces: the workspace rule file (shared), rule table, try-a-text and hit statistics.

The workspace keeps one user rule file, ``$WORKBENCH_HOME/safety/rules.yaml``, that extends the
default rules; where it is and how it is loaded lives in the core (``workbench.safety.workspace``), so
predictions (CLI, Explain page) and review queues use the same active rules as this page.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from workbench.errors import WorkbenchError
from workbench.fsutil import atomic_write_text
from workbench.ui.highlight import highlight_hits
from workbench.ui.progress import progress_bar

RULES_TEMPLATE = """# Your rules extend the defaults. An entry with a default id changes only the keys it gives.
# A workspace model can be a rule's detector (validated on save, tried below):
#   - {id: sentiment.negative, detector: label, model: MY-SENTIMENT-MODEL, labels: [negative],
#      min_score: 0.9, action: review, category: sentiment}
#   - {id: pii.person, detector: entities, model: MY-NER-MODEL, types: [person], action: mask}
version: 1
rules:
  - {id: pii.phone, action: flag}
  - {id: custom.codename, detector: keywords, keywords: [Bluebird], category: confidential, action: mask}
"""


def workspace_rules_path() -> Path:
    """``$WORKBENCH_HOME/safety/rules.yaml``, as the core finds it."""
    from workbench.safety.workspace import workspace_rules_path as core_path

    return core_path()


def active_rules(safety: Any) -> Any:
    """The default rules extended by the workspace rule file, when there is one (the core's lookup)."""
    return safety.active_rules()


# whole descriptions: a wide column and rows tall enough for the text to wrap (never cut mid-word)
RULES_TABLE_LAYOUT = {
    "row_height": 56,
    "column_config": {"description": st.column_config.TextColumn("description", width="large")},
}


def rules_table(rules: Any) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rule": r.id,
                "detector": r.detector,
                "category": r.category,
                "severity": r.severity,
                "action": r.action,
                "enabled": r.enabled,
                "description": r.description,
            }
            for r in rules
        ]
    )


def save_rules(safety: Any, text: str) -> Any:
    """Validate ``text`` as a rule file extending the defaults (every problem with its line), then save."""
    rules = safety.rules_from_yaml(text, source="workspace rules", extend=safety.load_rules(None))
    atomic_write_text(workspace_rules_path(), text)
    return rules


def rules_editor_text() -> str:
    path = workspace_rules_path()
    return path.read_text(encoding="utf-8") if path.is_file() else RULES_TEMPLATE


def scan_view(safety: Any, rules: Any, text: str) -> None:
    """Highlighted hits, the decision (blocked / needs review) and the masked text."""
    result = safety.scan(text, rules=rules)
    st.html(highlight_hits(text, result.hits))
    if result.blocked:
        st.error(f"Blocked: {result.block_reason}")
    elif result.needs_review:
        st.warning("Needs review by a person.")
    elif not result.hits:
        st.success("No rule fired on this text.")
    for note in result.notes:
        st.info(f"Rule {note}: the pattern rules answer alone here.")
    if result.hits:
        st.dataframe(pd.DataFrame([h.to_log_dict() for h in result.hits]), hide_index=True)
        st.markdown("**Masked text**")
        st.code(result.masked_text, language="text", wrap_lines=True)


def hit_statistics(safety: Any, rules: Any, texts: list[str]) -> pd.DataFrame:
    """Per rule: how many texts it fired on, with category, severity and action."""
    results = safety.scan_batch(texts, rules, progress=progress_bar("Scanning texts"))
    fired = Counter(rule for r in results for rule in {h.rule for h in r.hits})
    rows = [
        {
            "rule": rule.id,
            "category": rule.category,
            "severity": rule.severity,
            "action": rule.action,
            "texts": fired.get(rule.id, 0),
            "share": fired.get(rule.id, 0) / max(1, len(texts)),
        }
        for rule in rules
        if fired.get(rule.id)
    ]
    return pd.DataFrame(rows, columns=["rule", "category", "severity", "action", "texts", "share"])


def injection_classifier_status() -> str:
    """One line on the built-in injection classifier: which training the default rule asks, or none."""
    from workbench.errors import RegistryError
    from workbench.models.registry import Registry
    from workbench.safety.detectors.model import rule_models
    from workbench.safety.injection_training import INJECTION_MODEL_NAME

    registry = Registry()
    try:
        record = registry.newest(INJECTION_MODEL_NAME)
    except RegistryError:
        return (
            f"Not trained yet: the rule `injection.classifier` does nothing until a model named "
            f"`{INJECTION_MODEL_NAME}` exists in this workspace. Only the patterns look for injections."
        )
    accuracy = record.metrics.get("accuracy")
    held_out = f", {accuracy:.1%} accuracy on its held-out prompts" if accuracy is not None else ""
    when = pd.Timestamp(record.created, unit="s").strftime("%Y-%m-%d %H:%M")
    try:
        from workbench import safety

        rule = active_rules(safety).get("injection.classifier")
        model = rule_models(rule.params, registry)[1] if rule is not None else record
    except WorkbenchError:  # a broken workspace rule file: the Rules tabs say what is wrong with it
        model = record
    if model.id == record.id:
        asked = "it"
    elif model.kind == "variant" and model.recipe.get("root") == record.id:
        asked = f"its {'+'.join(model.recipe.get('chain', []))} variant `{model.id}`"
    else:  # the workspace rule file points the rule at another model
        asked = f"model `{model.id}` instead (your rule file names it)"
    return (
        f"Active: model `{record.id}` (trained {when} UTC{held_out}); the rule `injection.classifier` asks "
        f"{asked}, after the patterns, on every path: Try a text, predictions, review and the gateway."
    )


def finish_injection_training(model_id: str) -> str:
    """After a training: build the variant a rule asks of the new model, if one does (`variant: int8`:
    about 15 s), and say what the rule asks now; the training stands when the variant cannot be built."""
    from workbench.safety.injection_training import build_rule_variants

    try:
        built = build_rule_variants(model_id)
    except WorkbenchError as error:
        return (
            f"Model `{model_id}` is ready: the rule `injection.classifier` now asks it (the variant your "
            f"rules name could not be built: {error})."
        )
    if not built:
        return f"Model `{model_id}` is ready: the rule `injection.classifier` now asks it."
    names = ", ".join(f"`{v.id}`" for v in built)
    return f"Model `{model_id}` is ready: the rules that name a variant of it now ask {names}."


def injection_sources_table(extra: list[str]) -> pd.DataFrame:
    """The labelled prompts a training would use: the default sources found here, plus ``extra``."""
    from workbench.safety.injection_training import default_sources

    sources = [(f"{p.parent.name}/{p.name}", p) for p in default_sources()]
    sources += [(f"your upload: {Path(p).name}", Path(p)) for p in extra]
    rows = []
    for shown, path in sources:
        prompts, injections = _prompt_counts(str(path), path.stat().st_mtime)
        rows.append({"file": shown, "prompts": prompts, "injections": injections})
    return pd.DataFrame(rows, columns=["file", "prompts", "injections"])


@st.cache_data(show_spinner=False, max_entries=32)
def _prompt_counts(path: str, mtime: float) -> tuple[int, int]:
    """(prompts, injections) of a labelled file, read once per file version, not on every rerun."""
    from workbench.safety.injection_training import read_labelled_prompts

    labels = [label for _, label in read_labelled_prompts(Path(path))]
    return len(labels), sum(labels)


def start_injection_training(
    extra: list[str], base_model: str, owner: str, *, social_share: float = 0.0
) -> str:
    """Queue the recipe on the default sources and ``extra`` (with ``social_share`` of the prompts also
    framed as social-media posts) as an ordinary training run of ``owner``; returns the run id."""
    from workbench.safety.injection_training import (
        default_sources,
        gather_training_data,
        injection_train_spec,
    )
    from workbench.training import runs

    data = gather_training_data(default_sources() + [Path(p) for p in extra], social_share=social_share)
    return runs.start_run(injection_train_spec(data, base_model=base_model), owner=owner).id
