"""``VariantSpec``: what a user asks for ("int8", "drop-layers:3", "distill:3+int8"), validated on
construction so a typo fails in a second, not after ten minutes of distillation.

The string form is ``STEP[+STEP...]`` with ``STEP = NAME[:VALUE]``; steps apply left to right, each
on the variant the previous one built (stacking). Training options (used by ``distill``) are fields
with help/range metadata so forms and CLI flags can be generated from them.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from workbench.errors import SpecError


def _meta(
    help_text: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    return {"help": help_text, "min": minimum, "max": maximum, "choices": choices}


@dataclass(frozen=True)
class VariantStep:
    """One step of a variant recipe: a registered builder name and its value (K layers, S sparsity)."""

    name: str
    value: float | int | None = None

    def __str__(self) -> str:
        if self.value is None:
            return self.name
        return f"{self.name}:{self.value:g}" if isinstance(self.value, float) else f"{self.name}:{self.value}"

    @property
    def slug(self) -> str:
        """A short id fragment: ``drop-layers:3`` → ``drop3``, ``prune:0.5`` → ``prune50``."""
        short = self.name.replace("drop-layers", "drop").replace("-", "")
        if self.value is None:
            return short
        value = round(self.value * 100) if isinstance(self.value, float) else self.value
        return f"{short}{value}"


@dataclass(frozen=True)
class VariantSpec:
    """A variant recipe plus the options of the steps that train. Build it with ``parse_variant_spec``."""

    steps: tuple[VariantStep, ...] = field(metadata=_meta("Steps applied left to right (stacking)."))
    layer_choice: str = field(
        default="every-other",
        metadata=_meta(
            "Which layers drop-layers/distill keep: every-other (spread out, ending with the top layer), "
            "first or last.",
            choices=("every-other", "first", "last"),
        ),
    )
    epochs: float = field(
        default=3.0, metadata=_meta("distill: passes over the data.", minimum=0.05, maximum=50)
    )
    learning_rate: float = field(
        default=1e-4, metadata=_meta("distill: peak learning rate.", minimum=1e-7, maximum=1.0)
    )
    batch_size: int = field(default=32, metadata=_meta("distill: texts per step.", minimum=1, maximum=1024))
    temperature: float = field(
        default=2.0, metadata=_meta("distill: softens teacher and student outputs.", minimum=0.5, maximum=20)
    )
    alpha: float = field(
        default=0.5,
        metadata=_meta(
            "distill: weight of the teacher's soft labels (1 - alpha: true labels).", minimum=0.0, maximum=1.0
        ),
    )
    max_minutes: float | None = field(
        default=None, metadata=_meta("distill: stop after this many minutes (keeps the best).", minimum=0.1)
    )
    max_rows: int | None = field(
        default=None, metadata=_meta("distill: train on a stratified sample of this many rows.", minimum=10)
    )
    val_fraction: float = field(
        default=0.1,
        metadata=_meta(
            "distill: share of rows held out to pick the best checkpoint.", minimum=0.01, maximum=0.5
        ),
    )
    seed: int = field(default=42, metadata=_meta("distill: random seed.", minimum=0))
    compute: str = field(
        default="auto",
        metadata=_meta(
            "fp16/bf16: precision of the arithmetic once loaded. auto: whichever of fp32 and the stored "
            "precision is faster on the CPU it runs on (measured at load); float32; or half.",
            choices=("auto", "float32", "half"),
        ),
    )

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise SpecError("Invalid variant: " + "; ".join(problems), problems)

    def __str__(self) -> str:
        return "+".join(str(step) for step in self.steps)

    def problems(self) -> list[str]:
        """Every impossible step or option at once."""
        from workbench.variants.base import step_problems

        out = [] if self.steps else ["no variant given: name one, e.g. int8 or distill:3+int8"]
        out += step_problems(self.steps)
        for f in fields(self):
            value, low, high = getattr(self, f.name), f.metadata.get("min"), f.metadata.get("max")
            if isinstance(value, float) and not math.isfinite(value):
                out.append(f"{f.name} must be a finite number, got {value}")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                if low is not None and value < low:
                    out.append(f"{f.name} must be at least {low:g}, got {value:g}")
                if high is not None and value > high:
                    out.append(f"{f.name} must be at most {high:g}, got {value:g}")
            choices = f.metadata.get("choices")
            if choices and value not in choices:
                out.append(f"{f.name} must be one of {', '.join(choices)}; got {value!r}")
        return out

    def with_steps(self, steps: tuple[VariantStep, ...]) -> VariantSpec:
        """The same options for a sub-recipe (the first steps of a stack)."""
        return VariantSpec(**{**self.options(), "steps": steps})

    def options(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "steps"}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["steps"] = str(self)
        return data

    @classmethod
    def field_info(cls) -> dict[str, dict[str, Any]]:
        """Help, default and range of each option, for forms and CLI flags."""
        return {
            f.name: {**f.metadata, "default": None if f.default is MISSING else f.default}
            for f in fields(cls)
            if f.name != "steps"
        }


def _parse_value(text: str) -> float | int | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_variant_spec(text: str, **options: Any) -> VariantSpec:
    """``"distill:3+int8"`` → a validated ``VariantSpec`` (``SpecError`` lists every bad step)."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("No variant given: name one, e.g. int8, drop-layers:3 or distill:3+int8.")
    steps = []
    for part in text.replace(" ", "").split("+"):
        name, sep, raw = part.partition(":")
        value: Any = _parse_value(raw) if sep else None
        steps.append(VariantStep(name.lower(), value))
    return VariantSpec(steps=tuple(steps), **options)
