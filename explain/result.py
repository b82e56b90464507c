"""``TextExplanation``: one explained text with what a reader needs around the SHAP numbers.

The numbers themselves stay shap's (``to_shap()`` gives the ecosystem's ``shap.Explanation``); this
wrapper adds the predicted label, the scale, notes (truncation, preprocessing, empty input), the
faithfulness check and cost, and converts to and from JSON for the cache and the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.errors import SpecError

SCALE_DESCRIPTIONS = {
    "logit": "log-odds of the label's probability, log(p / (1 - p))",
    "probability": "probability of the label",
    "value": "the predicted value (regression)",
}
_GLUED = re.compile(r"^[\w']")


@dataclass
class Faithfulness:
    """Deletion check: hiding the top-k tokens should hurt the prediction more than k random ones."""

    k: int
    top_drop: float  # drop of the explained label's probability (or value) when the top-k are hidden
    random_drop: float  # mean drop when k random tokens are hidden
    random_trials: int

    @property
    def score(self) -> float:
        """How much more the explanation's top tokens matter than random ones (higher is better)."""
        return self.top_drop - self.random_drop

    def to_dict(self) -> dict[str, Any]:
        return {**vars(self), "score": self.score}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Faithfulness | None:
        if not data:
            return None
        return cls(data["k"], data["top_drop"], data["random_drop"], data["random_trials"])


@dataclass
class LabelAttribution:
    """One label's view: ``base_value + sum(values) == output`` (same scale)."""

    label: str
    tokens: list[str]
    values: np.ndarray
    base_value: float
    output: float


@dataclass
class TextExplanation:
    """SHAP values of one text for the explained labels (columns; predicted label first)."""

    model_id: str
    text: str
    pair: str | None
    tokens: list[str]  # the substring each feature covers, whitespace included (joins back to the text)
    values: np.ndarray  # (n_tokens, n_labels)
    base_values: np.ndarray  # (n_labels,) the output with every token hidden
    outputs: np.ndarray  # (n_labels,) the output for the full text
    output_names: list[str]
    prediction: Any  # predicted label (list for multi-label, float for regression)
    probabilities: dict[str, float]
    scale: str
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    evals: int = 0
    seconds: float = 0.0
    cached: bool = False
    faithfulness: Faithfulness | None = None
    clustering: np.ndarray | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The first explained label: the predicted one unless labels were chosen."""
        return self.output_names[0] if self.output_names else ""

    def label_index(self, label: str | None = None) -> int:
        if label is None:
            return 0
        if str(label) not in self.output_names:
            raise SpecError(
                f"Label {label!r} was not explained for this text; explained: {', '.join(self.output_names)}. "
                "Ask for it with labels=... (CLI: --label)."
            )
        return self.output_names.index(str(label))

    def for_label(self, label: str | None = None) -> LabelAttribution:
        i = self.label_index(label)
        return LabelAttribution(
            self.output_names[i],
            [t.strip() for t in self.tokens],
            self.values[:, i] if self.values.size else np.zeros(0),
            float(self.base_values[i]),
            float(self.outputs[i]),
        )

    def additivity_gap(self) -> float:
        """max |base + sum(values) - output| over labels (Partition SHAP makes it ~0)."""
        return float(np.max(np.abs(self.base_values + self.values.sum(axis=0) - self.outputs)))

    def to_shap(self) -> Any:
        """This text as a one-row ``shap.Explanation`` (``shap.plots.text`` / ``bar`` accept it)."""
        import shap

        return shap.Explanation(
            values=self.values[None, ...],
            base_values=self.base_values[None, :],
            data=np.array([np.array(self.tokens, dtype=object)], dtype=object),
            feature_names=[[t.strip() for t in self.tokens]],
            output_names=list(self.output_names),
            clustering=None if self.clustering is None else self.clustering[None, ...],
        )

    def to_json_dict(self, label: str | None = None) -> dict[str, Any]:
        """The CLI's ``--json`` shape: one explained label on top, the others under ``labels``."""
        main = self.for_label(label)
        others = {
            name: {"base_value": a.base_value, "output": a.output, "values": a.values.tolist()}
            for name in self.output_names
            if name != main.label and (a := self.for_label(name))
        }
        return {
            "model": self.model_id,
            "text": self.text,
            **({"pair": self.pair} if self.pair is not None else {}),
            "label": main.label,
            "prediction": self.prediction,
            "probabilities": self.probabilities,
            "scale": self.scale,
            "scale_description": SCALE_DESCRIPTIONS[self.scale],
            "base_value": main.base_value,
            "output": main.output,
            "tokens": main.tokens,
            "values": main.values.tolist(),
            "labels": others,
            "truncated": self.truncated,
            "notes": self.notes,
            "faithfulness": self.faithfulness.to_dict() if self.faithfulness else None,
            "evals": self.evals,
            "seconds": round(self.seconds, 4),
            "cached": self.cached,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-safe (floats round-trip exactly), for the workspace cache."""
        return {
            "model_id": self.model_id, "text": self.text, "pair": self.pair, "tokens": self.tokens,
            "values": self.values.tolist(), "base_values": self.base_values.tolist(),
            "outputs": self.outputs.tolist(), "output_names": self.output_names,
            "prediction": self.prediction, "probabilities": self.probabilities, "scale": self.scale,
            "notes": self.notes, "truncated": self.truncated, "evals": self.evals, "seconds": self.seconds,
            "faithfulness": self.faithfulness.to_dict() if self.faithfulness else None,
            "clustering": None if self.clustering is None else self.clustering.tolist(),
            "settings": self.settings,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextExplanation:
        n_labels = len(data["output_names"])
        clustering = data.get("clustering")
        return cls(
            model_id=data["model_id"], text=data["text"], pair=data.get("pair"), tokens=list(data["tokens"]),
            values=np.asarray(data["values"], dtype=float).reshape(len(data["tokens"]), n_labels),
            base_values=np.asarray(data["base_values"], dtype=float),
            outputs=np.asarray(data["outputs"], dtype=float), output_names=list(data["output_names"]),
            prediction=data["prediction"], probabilities=dict(data["probabilities"]), scale=data["scale"],
            notes=list(data["notes"]), truncated=bool(data["truncated"]), evals=int(data["evals"]),
            seconds=float(data["seconds"]), faithfulness=Faithfulness.from_dict(data.get("faithfulness")),
            clustering=None if clustering is None else np.asarray(clustering, dtype=float).reshape(-1, 4),
            settings=dict(data.get("settings") or {}),
        )  # fmt: skip


def word_spans(tokens: list[str]) -> list[tuple[int, int]]:
    """Group token segments into words: a piece glued to the previous one (no space between) joins it.

    Lets summaries, the global view and drift speak in words ("charming", not "charm" + "ing") and
    compare models whose tokenizers differ.
    """
    spans: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        glued = i > 0 and tokens[i - 1] and not tokens[i - 1][-1].isspace() and _GLUED.match(token)
        glued = glued and _GLUED.match(tokens[i - 1][-1])
        if glued and spans:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def word_values(tokens: list[str], values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Words and their summed token attributions (sums keep additivity)."""
    spans = word_spans(tokens)
    words = ["".join(tokens[a:b]).strip() for a, b in spans]
    summed = np.array([values[a:b].sum(axis=0) for a, b in spans]) if spans else np.zeros((0,))
    return words, summed
