"""``ExplainSpec``: what an explanation request asks for, validated on construction.

Forms (Streamlit, Gradio, the CLI) take labels, help texts, defaults and ranges from the field metadata.
The default evaluation budget is length-aware: long texts get more evaluations than short ones (see
``budget_for``). A budget is an upper bound, never a target: the Partition explainer stops as soon as its
recursion over the text's tree is complete (exact), so a short text costs only what it needs.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from workbench.errors import SpecError

# Evaluation budget per mode: ``per_token * n_tokens`` clamped to [floor, ceiling]. Chosen by measurement
# (benchmarks/explain_speed.py, which prints the curve for any model): all-MiniLM-L6-v2 fine-tuned on
# SST-2, 50 dev sentences of 15-25 words (about 23 tokens), 2 CPU cores, mean Spearman against the exact
# reference (the recursion completed within 2,000 evaluations for all 50: 188-1452 were needed):
# 100 evals 0.74 (0.43 s), 150 0.84 (0.64 s), 200 0.89 (0.84 s), 300 0.95 (1.25 s), 400 0.97 (1.63 s),
# 600 0.99 (2.28 s). fast (9/token, mean 212 evals) measured 0.89 at 0.89 s median; precise (16/token,
# mean 374) 0.97 at 1.55 s; shap's pipeline default 8.1 s.
BUDGETS: dict[str, dict[str, float]] = {
    "fast": {"per_token": 9.0, "floor": 50, "ceiling": 400},
    "precise": {"per_token": 16.0, "floor": 100, "ceiling": 1000},
}

# Seconds one explanation should take per mode (benchmarks/explain_speed.py holds classifiers to them);
# a seq2seq explanation that takes longer says so in its notes.
SECONDS_TARGETS: dict[str, float] = {"fast": 1.0, "precise": 2.0}


def _meta(
    help_text: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    return {"help": help_text, "min": minimum, "max": maximum, "choices": choices, "label": label}


@dataclass(frozen=True)
class ExplainSpec:
    """How to explain: budget, output scale, which labels, masking, seed and caching."""

    mode: str = field(
        default="fast",
        metadata=_meta(
            "fast: about 9 evaluations per token (interactive); precise: about 16 per token "
            "(closer to the exact values).",
            choices=tuple(BUDGETS),
            label="Mode",
        ),
    )
    max_evals: int | None = field(
        default=None,
        metadata=_meta(
            "Model evaluations per text, at most (taken literally; the explainer stops earlier once its "
            "answer is exact); empty = the mode's length-aware budget.",
            minimum=10,
            maximum=20000,
            label="Evaluation budget",
        ),
    )
    explainer: str = field(
        default="partition", metadata=_meta("Explainer (see explain.EXPLAINERS).", label="Explainer")
    )
    scale: str = field(
        default="logit",
        metadata=_meta(
            "Explained output: logit = log-odds of each label's probability, probability = the "
            "probability itself (regression always explains the predicted value).",
            choices=("logit", "probability"),
            label="Scale",
        ),
    )
    masking: str = field(
        default="replace",
        metadata=_meta(
            "How hidden words are shown to the model: replace each token with the mask token, "
            "collapse each hidden span into one mask token, or remove them.",
            choices=("replace", "collapse", "remove"),
            label="Masking",
        ),
    )
    labels: tuple[str, ...] = field(
        default=(), metadata=_meta("Labels to explain; empty = the most likely ones.", label="Labels")
    )
    max_classes: int = field(
        default=3,
        metadata=_meta(
            "Explain this many of the most likely classes (predicted first).", minimum=1, maximum=100
        ),
    )
    seed: int = field(default=0, metadata=_meta("Random seed (same seed, same explanation).", minimum=0))
    batch_size: int = field(
        default=64,
        metadata=_meta(
            "Masked texts per forward pass; the explainer refines its largest effects between batches, "
            "so smaller batches use a small budget better (64 measured best).",
            minimum=1,
            maximum=4096,
        ),
    )
    faithfulness_k: int = field(
        default=3,
        metadata=_meta(
            "Deletion check: remove the top-k tokens (0 = skip the check).", minimum=0, maximum=50
        ),
    )
    backend: str = field(
        default="auto",
        metadata=_meta(
            "Where forward passes run: auto = ONNX Runtime when installed and verified against PyTorch "
            "(about 1.5-2x faster on CPU, same values to ~1e-6), else PyTorch.",
            choices=("auto", "torch", "onnx"),
            label="Backend",
        ),
    )
    use_cache: bool = field(
        default=True, metadata=_meta("Reuse explanations cached in the workspace.", label="Use cache")
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(str(x) for x in self.labels))
        problems = self.problems()
        if problems:
            raise SpecError("Invalid explanation settings: " + "; ".join(problems), problems)

    def problems(self) -> list[str]:
        """Every impossible setting at once, with the allowed range or choices."""
        out: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            low, high, choices = f.metadata.get("min"), f.metadata.get("max"), f.metadata.get("choices")
            if isinstance(value, float) and not math.isfinite(value):
                out.append(f"{f.name} must be a finite number, got {value}")
            elif isinstance(value, int) and not isinstance(value, bool):
                if low is not None and value < low:
                    out.append(f"{f.name} must be at least {low}, got {value}")
                if high is not None and value > high:
                    out.append(f"{f.name} must be at most {high}, got {value}")
            if choices and value not in choices:
                out.append(f"{f.name} must be one of {', '.join(choices)}; got {value!r}")
        return out

    def budget_for(self, n_tokens: int) -> int:
        """Most evaluations for a text of ``n_tokens`` maskable tokens: ``max_evals`` when given, literally.

        There is no cap at an "exact count": n(n-1) is exact only for balanced trees, and text trees are
        not (capping at it changed the values). A budget above what the recursion needs costs nothing,
        because the Partition explainer stops when its queue is empty."""
        if self.max_evals is not None:
            return self.max_evals
        rule = BUDGETS[self.mode]
        return int(min(max(rule["per_token"] * n_tokens, rule["floor"]), rule["ceiling"]))

    def cache_key(self) -> dict[str, Any]:
        """Settings that change the values (not use_cache, nor backend: both backends agree to ~1e-6)."""
        data = asdict(self)
        for name in ("use_cache", "backend"):
            data.pop(name)
        data["labels"] = list(self.labels)
        return data

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["labels"] = list(self.labels)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExplainSpec:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(
                f"Unknown explanation setting(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
            )
        return cls(**{**data, "labels": tuple(data.get("labels") or ())})

    @classmethod
    def field_info(cls) -> dict[str, dict[str, Any]]:
        """Label, help, default and range per field, for building forms."""
        return {
            f.name: {
                **f.metadata,
                "default": None if f.default is MISSING else f.default,
                "label": f.metadata.get("label") or f.name.replace("_", " ").capitalize(),
            }
            for f in fields(cls)
        }
