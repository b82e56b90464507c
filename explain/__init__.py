"""SHAP explanations for workbench models: per prediction, across a dataset, and across variants.

Imported lazily (``import explain`` loads neither torch nor shap)::

    from explain import explain, explain_texts, ExplainSpec, render_html, text_summary
    values = explain("reviews-v1", ["the acting was wooden but the ending made up for it"])
    shap.plots.text(values[0])

No UI library is imported here: Streamlit and Gradio pages call these functions and show the HTML.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "explain": "explain.core",
    "explain_texts": "explain.core",
    "ExplainSession": "explain.core",
    "ExplainSpec": "explain.spec",
    "TextExplanation": "explain.result",
    "Faithfulness": "explain.result",
    "EXPLAINERS": "explain.explainers",
    "TextExplainer": "explain.explainers",
    "register_explainer": "explain.explainers",
    "get_explainer": "explain.explainers",
    "describe_explainers": "explain.explainers",
    "partition_exact_evals": "explain.explainers",
    "render_html": "explain.render",
    "text_summary": "explain.render",
    "global_importance": "explain.global_view",
    "GlobalImportance": "explain.global_view",
    "cohort_choices": "explain.global_view",
    "faithfulness": "explain.faithfulness",
    "FaithfulnessSummary": "explain.faithfulness",
    "explanation_drift": "explain.drift",
    "DriftReport": "explain.drift",
    "ExplanationCache": "explain.cache",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'explain' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
