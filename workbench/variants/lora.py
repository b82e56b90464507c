"""``merged-lora``: fold a LoRA adapter into its base weights. Same predictions, no adapter overhead
at inference, and a plain model that every other variant (int8, drop-layers...) can start from."""

from __future__ import annotations

import copy
import warnings
from typing import Any

from workbench.models.registry import ModelRecord
from workbench.variants.base import BuildContext, Built, VariantBuilder, register_variant


@register_variant
class MergedLora(VariantBuilder):
    name = "merged-lora"
    options_used = ()
    description = "Merge a LoRA adapter into its base model: same predictions, faster, no peft at inference."

    def is_compatible(self, record: ModelRecord, model: Any) -> tuple[bool, str]:
        if not record.adapter or not hasattr(model, "merge_and_unload"):
            return False, (
                f"merged-lora merges a LoRA adapter into its base, but {record.id!r} has no adapter "
                f"(method {record.method!r}). It applies to models trained with --method lora."
            )
        return True, ""

    def build(self, ctx: BuildContext) -> Built:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # a transformers deprecation inside peft
            merged = copy.deepcopy(ctx.parent.model).merge_and_unload()
        merged.save_pretrained(str(ctx.folder))
        return Built(merged, {"merged_from": "peft LoRA adapter"})
