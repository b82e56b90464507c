"""The variant contract and registry: each family is a ``VariantBuilder`` registered by name.

A builder says what it does (``description``, one line shown to users), which value it takes (``K``
layers or ``S`` sparsity), whether it applies to a model (``is_compatible``) and how to write the
variant into a folder (``build``). Builders are instantiated per step, carrying the step's value.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.errors import IncompatibleError, SpecError
from workbench.progress import ProgressCallback, no_progress

if TYPE_CHECKING:
    from workbench.data import TextDataset
    from workbench.inference.predict import LoadedModel
    from workbench.models.registry import ModelRecord
    from workbench.variants.spec import VariantSpec, VariantStep

LAYERS = "K"
SPARSITY = "S"
PROBE_TEXTS = (  # checks of a built variant when no data was given
    "The service was quick and the staff were friendly.",
    "I waited an hour and nobody answered my question.",
    "ok",
    "It works, but the instructions could have been a lot clearer than they were, honestly.",
)


@dataclass
class Built:
    """A builder's result: the variant in memory, computing exactly as its loader will rebuild it
    (checked after saving), and the details to record in its recipe."""

    model: Any
    details: dict[str, Any]


@dataclass
class BuildContext:
    """What a builder gets: the parent in memory, the staging folder to write, data and options."""

    parent: LoadedModel
    folder: Path
    spec: VariantSpec
    data: TextDataset | None = None
    progress: ProgressCallback = no_progress


class VariantBuilder(ABC):
    """One variant family. Subclasses are registered with ``@register_variant``."""

    name: ClassVar[str]
    description: ClassVar[str]
    value_kind: ClassVar[str | None] = None  # LAYERS, SPARSITY or None
    final: ClassVar[bool] = False  # nothing can be stacked on top (quantized / half storage)
    needs_data: ClassVar[bool] = False
    # the VariantSpec options this step reads (a built step is reused only if they match); None = all
    options_used: ClassVar[tuple[str, ...] | None] = None
    loader: ClassVar[str] = "hf"
    compute: ClassVar[str] = "float32"  # what the arithmetic runs in once loaded (shown in comparisons)

    def __init__(self, step: VariantStep) -> None:
        self.step = step
        self.value = step.value

    def is_compatible(self, record: ModelRecord, model: Any) -> tuple[bool, str]:
        """Whether this step can be applied to ``model``; the reason says what to do instead."""
        from workbench.tasks import get_task

        problem = get_task(record.task).variant_problem(self.name)
        if problem:
            return False, f"{record.id!r}: {problem}"
        return not_on_final_variant(record, str(self.step))

    def check(self, record: ModelRecord, model: Any) -> None:
        ok, reason = self.is_compatible(record, model)
        if not ok:
            raise IncompatibleError(reason)

    @abstractmethod
    def build(self, ctx: BuildContext) -> Built:
        """Write the variant's weights and config into ``ctx.folder`` (the tokenizer is added for it)."""

    @classmethod
    def used_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """The part of a spec's (or a recipe's saved) options that changes what this step builds."""
        names = sorted(options) if cls.options_used is None else cls.options_used
        return {name: options.get(name) for name in names}

    @classmethod
    def usage(cls) -> str:
        return f"{cls.name}:{cls.value_kind}" if cls.value_kind else cls.name


VARIANTS: dict[str, type[VariantBuilder]] = {}


def register_variant(cls: type[VariantBuilder]) -> type[VariantBuilder]:
    VARIANTS[cls.name] = cls
    return cls


def get_builder(step: VariantStep) -> VariantBuilder:
    if step.name not in VARIANTS:
        raise SpecError(unknown_variant_message(step))
    return VARIANTS[step.name](step)


def unknown_variant_message(step: VariantStep) -> str:
    known = ", ".join(sorted(cls.usage() for cls in VARIANTS.values()))
    return f"Unknown variant {step.name!r}. Choose one of: {known}."


def not_on_final_variant(record: ModelRecord, step: str) -> tuple[bool, str]:
    """Quantized and half-storage variants are end points, and adapters must be merged first."""
    built = record.recipe.get("variant")
    if record.kind == "variant" and built in VARIANTS and VARIANTS[built].final:
        return False, (
            f"{step} cannot be applied to {record.id!r}: {built} variants are end points. "
            f"Build from its parent {record.parent!r} and put {built} last, e.g. {step}+{built}."
        )
    if record.adapter:
        return False, (
            f"{step} cannot be applied to {record.id!r} directly: it is a LoRA adapter model. "
            f"Merge it first: merged-lora+{step}."
        )
    return True, ""


def _value_problem(cls: type[VariantBuilder], step: VariantStep) -> str | None:
    value = step.value
    if cls.value_kind is None:
        if value is not None:
            return f"{cls.name} takes no value; got {str(step)!r}. Write {cls.name}."
        return None
    if value is None or value == "":
        example = "3" if cls.value_kind == LAYERS else "0.5"
        what = "a number of layers to keep" if cls.value_kind == LAYERS else "a sparsity"
        return f"{cls.name} needs {what}: {cls.usage()}, e.g. {cls.name}:{example}."
    if cls.value_kind == LAYERS and (not isinstance(value, int) or value < 1):
        return f"{step}: K is the number of layers to keep, a whole number from 1 up; got {value!r}."
    if cls.value_kind == SPARSITY and (isinstance(value, str | bool) or not 0 < float(value) < 1):
        return (
            f"{step}: S is the share of weights to remove and must be between 0 and 1 (exclusive), "
            f"e.g. 0.5; got {value!r}."
        )
    return None


def step_problems(steps: tuple[VariantStep, ...]) -> list[str]:
    """Static checks of a recipe: known names, values in range, end points last."""
    problems = []
    for i, step in enumerate(steps):
        cls = VARIANTS.get(step.name)
        if cls is None:
            problems.append(unknown_variant_message(step))
            continue
        problem = _value_problem(cls, step)
        if problem:
            problems.append(problem)
        if cls.final and i < len(steps) - 1:
            rest = "+".join(str(s) for s in steps[i + 1 :])
            problems.append(
                f"{step} must be the last step: nothing can be built on top of it; write {rest}+{step}."
            )
    return problems


def list_variants() -> list[dict[str, Any]]:
    """Name, usage and description of every registered variant (for the UI and ``--help``)."""
    return [
        {"name": cls.name, "usage": cls.usage(), "description": cls.description, "needs_data": cls.needs_data}
        for cls in sorted(VARIANTS.values(), key=lambda c: c.name)
    ]


def compatible_variants(record: ModelRecord, model: Any) -> list[dict[str, Any]]:
    """Every variant with whether it applies to this model (values checked with a typical choice)."""
    from workbench.variants.spec import VariantStep

    rows = []
    for info in list_variants():
        cls = VARIANTS[info["name"]]
        value = {LAYERS: 1, SPARSITY: 0.5}.get(cls.value_kind or "")
        ok, reason = cls(VariantStep(cls.name, value)).is_compatible(record, model)
        rows.append({**info, "compatible": ok, "reason": reason})
    return rows
