"""``int8``: dynamic int8 quantization of every Linear layer (weights int8, activations quantized on the
fly), the fastest CPU option measured on AVX2 machines.

``torch.ao.quantization.quantize_dynamic`` is deprecated, but torchao's replacement is ~25x slower on
AVX2-only CPUs, so it stays, behind ``quantize_linear_int8`` alone so it can be swapped in one place.
``save_pretrained`` cannot store quantized modules and pickles are refused, so the variant is saved as
a safetensors state dict (int8 weights with their per-channel scales) and rebuilt by its loader.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any

from workbench.errors import ModelLoadError
from workbench.inference.loaders import register_loader
from workbench.models.registry import ModelRecord
from workbench.variants.base import BuildContext, Built, VariantBuilder, register_variant

WEIGHTS_FILE = "model.int8.safetensors"
INT8_PREFIX = "int8."


@functools.cache
def has_avx512_vnni() -> bool:
    try:
        return " avx512_vnni" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


@functools.cache
def full_range_linear_class() -> type:
    """A dynamic int8 Linear quantizing activations to 8 bits instead of the stock 7 (``reduce_range``).

    The stock module keeps a bit spare because AVX2's u8 x s8 multiply-add saturates at int16; AVX-512
    VNNI accumulates straight into int32, so there the 8th bit is accuracy for free (on an SST-2 model:
    97.8 % instead of 96.9 % agreement with fp32, same speed).
    """
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    class FullRangeDynamicLinear(DynamicLinear):
        def forward(self, x: Any) -> Any:
            y = torch.ops.quantized.linear_dynamic(x, self._packed_params._packed_params, reduce_range=False)
            return y.to(x.dtype)

    return FullRangeDynamicLinear


@functools.cache
def missing_int8_support() -> str | None:
    """Why this torch build cannot run dynamic int8 Linears (no quantized engine, API removed), or None."""
    import torch

    engines = [e for e in torch.backends.quantized.supported_engines if e != "none"]
    if not engines:
        return "it has no quantized engine (fbgemm, x86 or qnnpack)"
    try:
        from torch.ao.nn.quantized.dynamic import Linear  # noqa: F401
        from torch.ao.quantization import quantize_dynamic  # noqa: F401
    except ImportError as exc:
        return f"torch {torch.__version__} has no torch.ao dynamic quantization: {exc}"
    return None


def int8_linear_class() -> type:
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    return full_range_linear_class() if has_avx512_vnni() else DynamicLinear


def quantize_linear_int8(model: Any) -> Any:
    """Dynamic int8 quantization of the Linear layers, per output channel (in place and returned)."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecation notice: see the module docstring
        return quantize_dynamic(
            model,
            {torch.nn.Linear: per_channel_dynamic_qconfig},
            dtype=torch.qint8,
            mapping={torch.nn.Linear: int8_linear_class()},
            inplace=True,
        )


def quantized_linears(model: Any) -> dict[str, Any]:
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    return {name: m for name, m in model.named_modules() if isinstance(m, DynamicLinear)}


def int8_state_dict(model: Any) -> dict[str, Any]:
    """Plain tensors only: every float parameter and buffer (non-persistent ones too, so the loader
    needs nothing else) plus, per quantized Linear, its int8 weight, scales and zero points."""
    floats = {
        **dict(model.named_parameters(remove_duplicate=False)),
        **dict(model.named_buffers(remove_duplicate=False)),
    }
    tensors = {key: value.detach().clone().contiguous() for key, value in floats.items()}
    for name, module in quantized_linears(model).items():
        weight, bias = module.weight(), module.bias()
        tensors[f"{INT8_PREFIX}{name}.weight"] = weight.int_repr().contiguous()
        tensors[f"{INT8_PREFIX}{name}.scales"] = weight.q_per_channel_scales().contiguous()
        tensors[f"{INT8_PREFIX}{name}.zero_points"] = weight.q_per_channel_zero_points().contiguous()
        if bias is not None:
            tensors[f"{INT8_PREFIX}{name}.bias"] = bias.detach().clone().contiguous()
    return tensors


def save_int8(model: Any, folder: Path) -> None:
    from safetensors.torch import save_file

    model.config.save_pretrained(str(folder))
    save_file(int8_state_dict(model), str(folder / WEIGHTS_FILE), metadata={"format": "pt", "axis": "0"})


def _int8_linear(linear: Any, tensors: dict[str, Any], name: str) -> Any:
    """A quantized Linear holding the saved int8 weights. Re-quantizing the dequantized weights with
    the stored scales gives back exactly the same int8 values."""
    import torch

    key = f"{INT8_PREFIX}{name}"
    ints, scales, zeros = tensors[f"{key}.weight"], tensors[f"{key}.scales"], tensors[f"{key}.zero_points"]
    floats = (ints.double() - zeros.view(-1, 1)) * scales.view(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecation notice, on every load: see the module docstring
        module = int8_linear_class()(linear.in_features, linear.out_features, dtype=torch.qint8)
        module.set_weight_bias(
            torch.quantize_per_channel(floats.float(), scales, zeros, 0, torch.qint8),
            tensors.get(f"{key}.bias"),
        )
    return module


def _assign(model: Any, key: str, tensor: Any) -> bool:
    import torch

    owner_name, _, attribute = key.rpartition(".")
    owner = model.get_submodule(owner_name) if owner_name else model
    if attribute in owner._parameters:
        owner._parameters[attribute] = torch.nn.Parameter(tensor, requires_grad=False)
    elif attribute in owner._buffers:
        owner._buffers[attribute] = tensor
    else:
        return False
    return True


@register_loader("int8-dynamic")
def load_int8(record: ModelRecord, folder: Path) -> Any:
    """Build the architecture on the meta device (no memory), swap in int8 Linears made from the saved
    weights, then give every other parameter and buffer its saved tensor: the float copy of the
    Linear weights is never allocated, so loading takes about the variant's size in memory."""
    import torch
    from safetensors.torch import load_file

    from workbench.models.loading import load_config, quiet_transformers
    from workbench.models.pooling import apply_pooling
    from workbench.tasks import get_task

    quiet_transformers()
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise ModelLoadError(f"{record.id!r} is an int8 variant but {path} is missing; rebuild the variant.")
    with torch.device("meta"):
        model = apply_pooling(get_task(record.task).auto_model_class().from_config(load_config(str(folder))))
    tensors = load_file(str(path))
    for name, module in list(model.named_modules()):
        if isinstance(module, torch.nn.Linear) and f"{INT8_PREFIX}{name}.weight" in tensors:
            owner, _, attribute = name.rpartition(".")
            setattr(
                model.get_submodule(owner) if owner else model, attribute, _int8_linear(module, tensors, name)
            )
    unexpected = [k for k, v in tensors.items() if not k.startswith(INT8_PREFIX) and not _assign(model, k, v)]
    missing = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
    if missing or unexpected:
        raise ModelLoadError(
            f"The int8 weights of {record.id!r} do not match its architecture (missing {missing[:3]}, "
            f"unexpected {unexpected[:3]}); rebuild the variant."
        )
    return model.eval()


@register_variant
class Int8Dynamic(VariantBuilder):
    name = "int8"
    options_used = ()
    description = (
        "Dynamic int8 quantization of every Linear layer (PyTorch): ~1.4x faster on CPU, a quarter of "
        "the encoder's size, usually < 0.5 pt accuracy loss."
    )
    final = True
    loader = "int8-dynamic"
    compute = "int8 dynamic (PyTorch)"

    def is_compatible(self, record: ModelRecord, model: Any) -> tuple[bool, str]:
        import torch

        ok, reason = super().is_compatible(record, model)
        linear = isinstance(model, torch.nn.Module) and any(
            isinstance(m, torch.nn.Linear) for m in model.modules()
        )
        if ok and not linear:
            return False, f"int8 quantizes Linear layers and {record.id!r} has none."
        missing = missing_int8_support()
        if ok and missing:
            return False, f"int8 is not available with this PyTorch build ({missing}); try onnx-int8."
        return ok, reason

    def build(self, ctx: BuildContext) -> Built:
        from workbench.variants.layers import fresh_copy

        model = quantize_linear_int8(fresh_copy(ctx).eval())
        save_int8(model, ctx.folder)
        details = {"quantized_layers": len(quantized_linears(model)), "scheme": "qint8 per-channel, dynamic"}
        return Built(model, details)
