"""Fine-tuning methods by name: ``full``, ``lora``, ``head``. Each prepares a model for the Trainer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from workbench.errors import IncompatibleError, SpecError


class Method(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    default_learning_rate: ClassVar[float]

    def is_compatible(self, model: Any) -> tuple[bool, str]:
        return True, ""

    @abstractmethod
    def prepare(self, model: Any, spec: Any) -> Any:
        """Return the model to train (frozen parts frozen, adapters attached)."""

    def save(self, model: Any, folder: str, spec: Any) -> bool:
        """Save weights to ``folder``; return True when what was saved is an adapter."""
        model.save_pretrained(folder)
        return False


METHODS: dict[str, Method] = {}


def register_method(cls: type[Method]) -> type[Method]:
    METHODS[cls.name] = cls()
    return cls


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise SpecError(f"Unknown method {name!r}. Choose one of: {', '.join(sorted(METHODS))}.")
    return METHODS[name]


def count_parameters(model: Any) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, total


@register_method
class FullFineTune(Method):
    name = "full"
    description = "Update every weight. Best accuracy; the largest files."
    default_learning_rate = 8e-5

    def prepare(self, model: Any, spec: Any) -> Any:
        return model


@register_method
class LoraFineTune(Method):
    name = "lora"
    description = (
        "Train small low-rank adapters (peft) on every linear layer plus the head; the base stays frozen."
    )
    default_learning_rate = 1e-3

    def prepare(self, model: Any, spec: Any) -> Any:
        from peft import LoraConfig, TaskType, get_peft_model

        token_head = type(model).__name__.endswith("ForTokenClassification")
        config = LoraConfig(
            task_type=TaskType.TOKEN_CLS if token_head else TaskType.SEQ_CLS,
            r=spec.lora_r,
            lora_alpha=spec.lora_alpha,
            lora_dropout=spec.lora_dropout,
            target_modules="all-linear",
            # the token head is trained whole (modules_to_save), so no adapter may wrap it too
            exclude_modules=["classifier"] if token_head else None,
        )
        try:
            return get_peft_model(model, config)
        except ValueError as exc:
            raise IncompatibleError(f"LoRA cannot be applied to {type(model).__name__}: {exc}") from exc

    def save(self, model: Any, folder: str, spec: Any) -> bool:
        if spec.merge_lora:
            model.merge_and_unload().save_pretrained(folder)
            return False
        model.save_pretrained(folder)
        return True


@register_method
class HeadOnly(Method):
    name = "head"
    description = "Freeze the encoder and train only the classification head. Fastest; least accurate."
    default_learning_rate = 2e-3

    def is_compatible(self, model: Any) -> tuple[bool, str]:
        if not hasattr(model, "base_model") or model.base_model is model:
            return False, f"{type(model).__name__} has no separate encoder to freeze."
        return True, ""

    def prepare(self, model: Any, spec: Any) -> Any:
        ok, why = self.is_compatible(model)
        if not ok:
            raise IncompatibleError(why)
        for name, param in model.base_model.named_parameters():
            param.requires_grad = "pooler" in name
        return model
