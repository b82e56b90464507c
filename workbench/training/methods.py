"""Fine-tuning methods by name: ``full``, ``lora``, ``adalora``, ``ia3``, ``head``. Each prepares a model
for the Trainer; the adapter methods (peft) save an adapter folder, or merge it into the base on request."""

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

    def callbacks(self, spec: Any) -> list[Any]:
        """Trainer callbacks the method needs while training (AdaLoRA re-allocates its ranks)."""
        return []


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


class PeftAdapterMethod(Method):
    """A peft adapter on every linear layer (or the method's own targets) plus a trainable head."""

    display_name: ClassVar[str]

    @abstractmethod
    def peft_config(self, spec: Any, token_head: bool = False) -> Any:
        """The peft config for ``spec`` (``token_head``: a token-classification model)."""

    def prepare(self, model: Any, spec: Any) -> Any:
        from peft import get_peft_model

        token_head = type(model).__name__.endswith("ForTokenClassification")
        config = self.peft_config(spec, token_head)
        if getattr(model.config, "is_encoder_decoder", False):
            from peft import TaskType

            config.task_type = TaskType.SEQ_2_SEQ_LM  # no head to save: the LM head stays frozen
            config.modules_to_save = None
        try:
            return get_peft_model(model, config)
        except ValueError as exc:
            raise IncompatibleError(
                f"{self.display_name} cannot be applied to {type(model).__name__}: {exc}"
            ) from exc

    def save(self, model: Any, folder: str, spec: Any) -> bool:
        if spec.merge_lora:
            model.merge_and_unload().save_pretrained(folder)
            return False
        model.save_pretrained(folder)
        return True


@register_method
class LoraFineTune(PeftAdapterMethod):
    name = "lora"
    display_name = "LoRA"
    description = (
        "Train small low-rank adapters (peft) on every linear layer plus the head; the base stays frozen."
    )
    default_learning_rate = 1e-3

    def peft_config(self, spec: Any, token_head: bool = False) -> Any:
        from peft import LoraConfig, TaskType

        return LoraConfig(
            task_type=TaskType.TOKEN_CLS if token_head else TaskType.SEQ_CLS,
            r=spec.lora_r,
            lora_alpha=spec.lora_alpha,
            lora_dropout=spec.lora_dropout,
            target_modules="all-linear",
            # the token head is trained whole (modules_to_save), so no adapter may wrap it too
            exclude_modules=["classifier"] if token_head else None,
        )


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


def _at_full_rank(method: Any, model: Any) -> Any:
    """``save_pretrained`` / ``load_adapter`` that keep AdaLoRA's matrices at their initial rank,
    pruned ranks as the zeros they are. peft would cut the saved files to the current rank pattern and
    shrink the live model before the Trainer reloads its best checkpoint, after which the two no longer
    fit each other (nor a later load, which builds the initial rank); the predictions are the same."""

    def call_at_full_rank(*args: Any, **kwargs: Any) -> Any:
        configs = list(model.peft_config.values())
        patterns = [c.rank_pattern for c in configs]
        for config in configs:
            config.rank_pattern = None
        try:
            return method(*args, **kwargs)
        finally:
            for config, pattern in zip(configs, patterns, strict=True):
                config.rank_pattern = pattern

    return call_at_full_rank


@register_method
class AdaLoraFineTune(PeftAdapterMethod):
    name = "adalora"
    display_name = "AdaLoRA"
    description = (
        "LoRA whose ranks adapt while training (peft AdaLoRA): every layer starts at the initial rank and"
        " the budget moves to the layers that matter, ending at the target rank on average."
    )
    default_learning_rate = 1e-3
    # shares of the steps spent before the first and after the last rank re-allocation
    WARMUP_SHARE, FINAL_SHARE = 0.1, 0.2

    def peft_config(self, spec: Any, token_head: bool = False) -> Any:
        from peft import AdaLoraConfig, TaskType

        return AdaLoraConfig(
            task_type=TaskType.TOKEN_CLS if token_head else TaskType.SEQ_CLS,
            init_r=spec.adalora_init_r,
            target_r=spec.adalora_target_r,
            lora_alpha=spec.lora_alpha,
            lora_dropout=spec.lora_dropout,
            target_modules="all-linear",
            total_step=1_000_000,  # the real number is set when training begins (see callbacks)
        )

    def prepare(self, model: Any, spec: Any) -> Any:
        peft_model = super().prepare(model, spec)
        peft_model.save_pretrained = _at_full_rank(peft_model.save_pretrained, peft_model)
        peft_model.load_adapter = _at_full_rank(peft_model.load_adapter, peft_model)
        return peft_model

    def callbacks(self, spec: Any) -> list[Any]:
        from workbench.training.callbacks import AdaLoraBudgetCallback

        return [AdaLoraBudgetCallback(self.WARMUP_SHARE, self.FINAL_SHARE)]


@register_method
class Ia3FineTune(PeftAdapterMethod):
    name = "ia3"
    display_name = "IA³"
    description = (
        "Learn one scaling vector per attention key, value and feed-forward activation (peft IA³): the"
        " fewest trainable weights of all adapters; needs a higher learning rate."
    )
    # the vectors start at 1 and the new head trains at the same rate: on the adapter test's tiny
    # encoder 5e-3 stayed at 80 % accuracy after 10 epochs, 1e-2 reached 95 % in the last, 3e-2 in the 5th
    default_learning_rate = 3e-2

    def peft_config(self, spec: Any, token_head: bool = False) -> Any:
        from peft import IA3Config, TaskType

        return IA3Config(task_type=TaskType.TOKEN_CLS if token_head else TaskType.SEQ_CLS)
