"""``fp16`` / ``bf16``: half-precision storage (half the file), computed in whichever precision is
faster on the CPU that loads the model.

Half-precision arithmetic is several times *slower* than fp32 on most CPUs (AVX2 has no fp16/bf16
math), but CPUs with AVX-512 BF16 or AMX run bf16 about twice as fast as fp32. So with ``compute``
``auto`` (the default) the loader times one matrix product in both precisions (once per process, a few
milliseconds) and upcasts to fp32 only where that is faster. The comparison shows what was chosen.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any, ClassVar

from workbench.inference.loaders import register_loader
from workbench.models.registry import ModelRecord
from workbench.variants.base import BuildContext, Built, VariantBuilder, register_variant
from workbench.variants.layers import fresh_copy

DTYPES = ("float16", "bfloat16", "float32")


def _dtype(name: str) -> Any:
    import torch

    return getattr(torch, name)


def _matmul_seconds(dtype_name: str, reps: int = 8) -> float:
    import torch
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(256, 384, generator=generator).to(_dtype(dtype_name))
    w = torch.randn(1536, 384, generator=generator).to(_dtype(dtype_name))
    with torch.inference_mode():
        F.linear(x, w)  # warm-up (kernel selection)
        started = time.perf_counter()
        for _ in range(reps):
            F.linear(x, w)
    return time.perf_counter() - started


@functools.cache
def faster_compute_dtype(storage: str, threads: int) -> str:
    """``storage`` if a half-precision matrix product beats fp32 on this CPU, else ``"float32"``
    (median of three interleaved rounds; cached per storage type and thread count)."""
    import statistics

    half, full = [], []
    for _ in range(3):
        half.append(_matmul_seconds(storage))
        full.append(_matmul_seconds("float32"))
    return storage if statistics.median(half) < statistics.median(full) else "float32"


def resolve_compute(storage: str, choice: str) -> str:
    import torch

    if choice == "float32":
        return "float32"
    if choice == "half":
        return storage
    return faster_compute_dtype(storage, torch.get_num_threads())


@register_loader("half-storage")
def load_half_storage(record: ModelRecord, folder: Path) -> Any:
    from workbench.models.loading import load_pretrained
    from workbench.tasks import get_task

    storage = record.recipe.get("storage_dtype", "float16")
    compute = resolve_compute(storage, record.recipe.get("compute_choice", "auto"))
    return load_pretrained(get_task(record.task).auto_model_class(), str(folder), dtype=_dtype(compute))


class HalfStorage(VariantBuilder):
    storage_dtype: ClassVar[str]
    final = True
    loader = "half-storage"
    compute = "auto"
    options_used = ("compute",)

    def is_compatible(self, record: ModelRecord, model: Any) -> tuple[bool, str]:
        import torch

        ok, reason = super().is_compatible(record, model)
        if ok and not isinstance(model, torch.nn.Module):
            return False, f"{self.name} converts PyTorch weights; {record.id!r} is a {type(model).__name__}."
        return ok, reason

    def build(self, ctx: BuildContext) -> Built:
        model = fresh_copy(ctx).to(_dtype(self.storage_dtype))
        model.save_pretrained(str(ctx.folder))
        compute = resolve_compute(self.storage_dtype, ctx.spec.compute)
        model = model.to(_dtype(compute))  # what the loader gives back on this machine
        note = f"stored as {self.storage_dtype}; compute precision chosen when loaded ({ctx.spec.compute})"
        details = {"storage_dtype": self.storage_dtype, "compute_choice": ctx.spec.compute, "note": note}
        return Built(model, details)


@register_variant
class Fp16(HalfStorage):
    name = "fp16"
    description = (
        "float16 storage: half the file. Computed in fp32 where that is faster (most CPUs: fp16 math is "
        "several times slower), measured when loaded."
    )
    storage_dtype = "float16"


@register_variant
class Bf16(HalfStorage):
    name = "bf16"
    description = (
        "bfloat16 storage: half the file. Computed in bf16 where the CPU has fast bf16 (AVX-512 BF16, "
        "AMX: ~2x fp32), else in fp32; measured when loaded."
    )
    storage_dtype = "bfloat16"
