"""Explainers by name. Each says whether it applies to a model and turns one text into attributions.

All of them run on the same masker (content tokens, token-id rows) and prediction function, so a new
entry only decides how masks are chosen: register a subclass of ``TextExplainer`` with
``@register_explainer``.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from workbench.errors import IncompatibleError, SpecError

if TYPE_CHECKING:
    from explain.masker import TokenIdTextMasker
    from explain.predictor import MaskedRowPredictor
    from workbench.inference.predict import LoadedModel

_NUMPY_SEED_LOCK = threading.Lock()


@dataclass
class Attribution:
    """What an explainer returns for one text: values (tokens x outputs) and the all-hidden output."""

    values: np.ndarray
    base_values: np.ndarray
    evals: int
    clustering: np.ndarray | None = None


class TextExplainer(ABC):
    """One explanation method over the shared masker and prediction function."""

    name: ClassVar[str]
    description: ClassVar[str]

    def incompatibility(self, model: LoadedModel) -> str | None:
        """Why this explainer cannot explain ``model`` (None when it can)."""
        if not model.task.text_explainers:
            from workbench.tasks import TASKS

            explained = ", ".join(name for name, task in TASKS.items() if task.text_explainers)
            return f"task {model.task.name!r} is not one of {explained}"
        if not getattr(model.tokenizer, "is_fast", False):
            return "its tokenizer is not a fast (Rust) tokenizer, which token offsets need"
        return None

    def is_compatible(self, model: LoadedModel) -> bool:
        return self.incompatibility(model) is None

    @abstractmethod
    def attribute(
        self,
        masker: TokenIdTextMasker,
        predictor: MaskedRowPredictor,
        joined: str,
        outputs: np.ndarray,
        budget: int,
        seed: int,
    ) -> Attribution:
        """Attributions of the bound text for the output columns ``outputs``."""


EXPLAINERS: dict[str, TextExplainer] = {}


def register_explainer(cls: type[TextExplainer]) -> type[TextExplainer]:
    EXPLAINERS[cls.name] = cls()
    return cls


def get_explainer(name: str, model: LoadedModel | None = None) -> TextExplainer:
    """The registered explainer ``name``, checked against ``model`` when given."""
    if name not in EXPLAINERS:
        raise SpecError(f"Unknown explainer {name!r}. Choose one of: {', '.join(sorted(EXPLAINERS))}.")
    explainer = EXPLAINERS[name]
    reason = explainer.incompatibility(model) if model is not None else None
    if reason:
        usable = [n for n, e in EXPLAINERS.items() if e.is_compatible(model)]
        raise IncompatibleError(
            f"The {name!r} explainer cannot explain model {model.id!r}: {reason}. "
            f"Explainers that can: {', '.join(usable) or 'none'}."
        )
    return explainer


@contextmanager
def seeded_numpy(seed: int) -> Iterator[None]:
    """shap breaks ties with the global NumPy generator: seed it for this call, then restore it."""
    with _NUMPY_SEED_LOCK:
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


@register_explainer
class PartitionTextExplainer(TextExplainer):
    """shap's Partition explainer (Owen values over the sentence-structure tree of ``shap.maskers.Text``).

    Exact once its recursion over the tree is complete: ``partition_exact_evals`` evaluations, which is
    n(n-1) only for a balanced tree (text trees are not; it can be far more). With a smaller budget it
    refines the largest effects first, and its values always add up to output - base.
    """

    name = "partition"
    description = "Partition SHAP over the text's phrase tree (fast, additive, the shap default for text)."

    def attribute(self, masker, predictor, joined, outputs, budget, seed) -> Attribution:
        import shap

        explainer = shap.explainers.PartitionExplainer(predictor, masker)
        with seeded_numpy(seed):
            result = explainer(
                [joined], max_evals=budget, batch_size=predictor.batch_size, outputs=outputs, silent=True
            )
        return Attribution(
            values=np.asarray(result.values[0], dtype=float).reshape(-1, len(outputs)),
            base_values=np.asarray(result.base_values[0], dtype=float).reshape(len(outputs)),
            evals=int(getattr(explainer, "last_eval_count", 0)) + 2,
            clustering=np.asarray(result.clustering[0], dtype=float)
            if result.clustering is not None
            else None,
        )


def partition_exact_evals(clustering: np.ndarray) -> int:
    """Evaluations after which shap's Partition explainer is exact on this tree (its own count).

    Each internal node costs 2 evaluations and is then revisited in both contexts (4 child visits):
    T(leaf) = 0, T(node) = 2 + 2 T(left) + 2 T(right), plus the 2 all-hidden/all-shown evaluations.
    A balanced tree of n leaves needs about n(n-1); a lopsided one up to 2^n."""
    tree = np.asarray(clustering)
    leaves = len(tree) + 1
    cost = [0] * (2 * leaves - 1)
    for row, (left, right) in enumerate(tree[:, :2].astype(int)):  # children come before parents
        cost[leaves + row] = 2 + 2 * cost[left] + 2 * cost[right]
    return cost[-1] + 2 if len(tree) else 2


@register_explainer
class PermutationTextExplainer(TextExplainer):
    """shap's Permutation explainer (antithetic permutations): Shapley values without the tree.

    Slower to converge on text than Partition, but treats every token alike; useful as a cross-check.
    """

    name = "permutation"
    description = "Permutation SHAP (plain Shapley values, sampled); a slower cross-check of Partition."

    def attribute(self, masker, predictor, joined, outputs, budget, seed) -> Attribution:
        import shap

        n_tokens = len(masker.encode(joined).content)
        budget = max(budget, 2 * n_tokens + 1)
        with seeded_numpy(seed):  # the constructor reseeds the global generator: keep that inside
            explainer = shap.explainers.PermutationExplainer(predictor, masker, seed=seed)
            result = explainer([joined], max_evals=budget, batch_size=predictor.batch_size, silent=True)
        values = np.asarray(result.values[0], dtype=float).reshape(n_tokens, -1)
        base = np.asarray(result.base_values[0], dtype=float).reshape(-1)
        return Attribution(
            values=values[:, outputs], base_values=base[outputs], evals=budget
        )  # all outputs come back


def describe_explainers(model: Any | None = None) -> list[dict[str, Any]]:
    """Name, description and (for a model) whether each explainer applies, for forms."""
    return [
        {
            "name": name,
            "description": e.description,
            "compatible": None if model is None else e.is_compatible(model),
        }
        for name, e in EXPLAINERS.items()
    ]
