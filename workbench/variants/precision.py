"""``fp16`` / ``bf16``: half-precision storage (half the disk). On AVX2 CPUs half-precision compute is
several times slower than fp32, so by default the weights are upcast to fp32 on load: same speed as
the parent, half the file. ``half_compute=True`` keeps them in half precision to measure the cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from workbench.inference.loaders import register_loader
from workbench.models.registry import ModelRecord
from workbench.variants.base import BuildContext, Built, VariantBuilder, register_variant
from workbench.variants.layers import fresh_copy


def _dtype(name: str) -> Any:
    import torch

    return {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[name]


@register_loader("half-storage")
def load_half_storage(record: ModelRecord, folder: Path) -> Any:
    from workbench.models.loading import load_pretrained
    from workbench.tasks import get_task

    dtype = _dtype(record.recipe.get("compute_dtype", "float32"))
    return load_pretrained(get_task(record.task).auto_model_class(), str(folder), dtype=dtype)


class HalfStorage(VariantBuilder):
    storage_dtype: ClassVar[str]
    final = True
    loader = "half-storage"

    def is_compatible(self, record: ModelRecord, model: Any) -> tuple[bool, str]:
        import torch

        ok, reason = super().is_compatible(record, model)
        if ok and not isinstance(model, torch.nn.Module):
            return False, f"{self.name} converts PyTorch weights; {record.id!r} is a {type(model).__name__}."
        return ok, reason

    def build(self, ctx: BuildContext) -> Built:
        half = _dtype(self.storage_dtype)
        model = fresh_copy(ctx).to(half)
        model.save_pretrained(str(ctx.folder))
        compute = self.storage_dtype if ctx.spec.half_compute else "float32"
        model = model.to(_dtype(compute))  # what the loader will give back
        note = f"stored as {self.storage_dtype}, computed in {compute}" + (
            "" if ctx.spec.half_compute else " (half-precision compute is slower on most CPUs)"
        )
        return Built(model, {"storage_dtype": self.storage_dtype, "compute_dtype": compute, "note": note})


@register_variant
class Fp16(HalfStorage):
    name = "fp16"
    description = (
        "Half-precision (float16) storage: half the file; computed in fp32, as fp16 math is slow on CPUs."
    )
    storage_dtype = "float16"


@register_variant
class Bf16(HalfStorage):
    name = "bf16"
    description = "bfloat16 storage: half the file, safer range than fp16; computed in fp32 (faster on CPUs)."
    storage_dtype = "bfloat16"
