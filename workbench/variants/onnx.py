"""``onnx-int8``: ONNX export plus ONNX Runtime dynamic int8 quantization (per channel, embeddings
included, so the file is ~2.5x smaller than torch int8). ONNX Runtime is an optional dependency
(``pip install 'llm-onboarding-workbench[onnx]'``): the variant is offered only when it is installed.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import logging
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from workbench.errors import IncompatibleError, ModelLoadError
from workbench.inference.loaders import register_loader
from workbench.models.registry import ModelRecord
from workbench.variants.base import BuildContext, Built, VariantBuilder, register_variant

ONNX_FILE = "model.int8.onnx"
OPSET = 17


@functools.cache
def is_onnxruntime_available() -> bool:
    """ONNX Runtime (to run) and onnx (to export and quantize) are both importable."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


class OnnxSequenceClassifier:
    """An ONNX Runtime session behind the call ``run_batches`` makes: ``model(**batch).logits``."""

    def __init__(self, session: Any, parameters: int = 0) -> None:
        self.session = session
        self.input_names = [i.name for i in session.get_inputs()]
        self.parameters_count = parameters

    def __call__(self, **inputs: Any) -> Any:
        import torch

        feeds = {name: inputs[name].numpy() for name in self.input_names}
        (logits,) = self.session.run(["logits"], feeds)
        return SimpleNamespace(logits=torch.from_numpy(logits))

    def eval(self) -> OnnxSequenceClassifier:
        return self

    def num_parameters(self) -> int:
        return self.parameters_count


def open_session(path: Path, threads: int | None = None) -> Any:
    """A CPU session using as many threads as torch does, so comparisons are like for like."""
    import onnxruntime as ort
    import torch

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@register_loader("onnx")
def load_onnx(record: ModelRecord, folder: Path) -> OnnxSequenceClassifier:
    if not is_onnxruntime_available():
        raise ModelLoadError(
            f"{record.id!r} is an ONNX variant and needs onnxruntime: "
            "pip install 'llm-onboarding-workbench[onnx]'."
        )
    path = folder / record.recipe.get("file", ONNX_FILE)
    if record.recipe.get("graphs") == "seq2seq" and path.is_file():  # encoder + decoder graphs: generates
        from workbench.variants.onnx_seq2seq_model import load_generation_variant

        return load_generation_variant(folder, int(record.recipe.get("parameters", 0)))  # type: ignore[return-value]
    if not path.is_file():
        raise ModelLoadError(f"{record.id!r} is an ONNX variant but {path} is missing; rebuild the variant.")
    try:
        session = open_session(path)
    except Exception as exc:  # onnxruntime's exception types differ by release; all mean "cannot open"
        raise ModelLoadError(
            f"{record.id!r} is an ONNX variant that the installed onnxruntime {_ort_version()} cannot open "
            f"({type(exc).__name__}: {_first_line(exc)}); rebuild it (workbench compress "
            f"{record.parent or 'PARENT'} --variant onnx-int8) or use the int8 variant instead."
        ) from exc
    return OnnxSequenceClassifier(session, int(record.recipe.get("parameters", 0)))


def _ort_version() -> str:
    import onnxruntime

    return str(getattr(onnxruntime, "__version__", "?"))


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:200]


def export_onnx(model: Any, tokenizer: Any, path: Path) -> None:
    """Export with dynamic batch and sequence axes (TorchScript exporter: no onnxscript needed)."""
    import torch

    dummy = tokenizer(["a short text", "a slightly longer second text"], padding=True, return_tensors="pt")
    # graph inputs follow forward()'s order; naming them in the tokenizer's order would swap
    # attention_mask and token_type_ids (a model that masks everything)
    names = [n for n in inspect.signature(model.forward).parameters if n in dummy]
    per_token = type(model).__name__.endswith("ForTokenClassification")  # logits per sub-token
    logit_axes = {0: "batch", 1: "sequence"} if per_token else {0: "batch"}
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {"logits": logit_axes}
    model.config.return_dict = True
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (),
            str(path),
            kwargs={name: dummy[name] for name in names},
            input_names=names,
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


# What the int8 graphs hold, as the variant's recipe records it.
INT8_SCHEME = "ONNX Runtime QInt8 per-channel, 7-bit weights (reduce_range), dynamic"


def quantize_onnx_int8(source: Path, target: Path, reduce_range: bool = True) -> None:
    """Dynamic int8 with weights kept to 7 bits (``reduce_range``), so the graph gives the same answers
    on every x86 CPU it is copied to. With full 8-bit signed weights, ONNX Runtime's u8 x s8 kernel on
    CPUs without VNNI (AVX2, e.g. many CI runners and Spaces) sums pairs of products into int16 with
    saturation (VPMADDUBSW), which the same graph on a VNNI CPU does not: a tiny Marian's int8 graphs
    translated 24 of 24 sentences right on VNNI but 22 under AVX2 (``qemu-x86_64 -cpu Haswell``), with
    ``reduce_range`` 24 on both. Graphs are built on one machine and served on another (Spaces,
    containers), so the portable choice is made here rather than by the building machine's CPU.
    ``reduce_range=False`` (8-bit weights) is there for ``benchmarks/onnx_int8_formats.py`` to compare."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # ORT logs a pre-processing hint on the root logger
    try:
        quantize_dynamic(
            str(source), str(target), per_channel=True, reduce_range=reduce_range, weight_type=QuantType.QInt8
        )
    finally:
        logging.disable(previous)


def check_export(ctx: BuildContext, path: Path, tolerance: float = 1e-3) -> None:
    """The fp32 ONNX graph must reproduce the PyTorch model before it is quantized."""

    from workbench.inference.predict import max_abs_difference, run_batches
    from workbench.variants.base import PROBE_TEXTS

    parent = ctx.parent
    features = parent.encode(list(PROBE_TEXTS))
    expected = run_batches(parent.model, parent.tokenizer, features, batch_size=2)
    exported = run_batches(
        OnnxSequenceClassifier(open_session(path)), parent.tokenizer, features, batch_size=2
    )
    diff = max_abs_difference(expected, exported)
    if not diff <= tolerance:
        raise IncompatibleError(
            f"onnx-int8: the ONNX export of {parent.id!r} does not reproduce its outputs (largest logit "
            f"difference {diff:.3g}); use int8 instead."
        )


@register_variant
class OnnxInt8(VariantBuilder):
    name = "onnx-int8"
    options_used = ()
    description = (
        "ONNX export + ONNX Runtime dynamic int8 (per channel, embeddings too): the smallest file and "
        "often faster than int8; needs the optional onnxruntime package."
    )
    final = True
    loader = "onnx"
    compute = "int8 dynamic (ONNX Runtime)"

    def is_compatible(self, record: ModelRecord, model: Any) -> tuple[bool, str]:
        import torch

        if not is_onnxruntime_available():
            return False, (
                "onnx-int8 needs the optional onnxruntime and onnx packages: "
                "pip install 'llm-onboarding-workbench[onnx]'."
            )
        ok, reason = super().is_compatible(record, model)
        if ok and not isinstance(model, torch.nn.Module):
            return False, f"onnx-int8 exports PyTorch models; {record.id!r} is a {type(model).__name__}."
        return ok, reason

    def build(self, ctx: BuildContext) -> Built:
        from workbench.variants.layers import fresh_copy
        from workbench.variants.measure import count_parameters

        model = fresh_copy(ctx).float().eval()  # an fp32 graph: ONNX Runtime refuses mixed fp16/fp32 ones
        if getattr(model.config, "is_encoder_decoder", False):
            return self.build_for_generation(ctx, model)
        with tempfile.TemporaryDirectory(prefix="workbench-onnx-") as tmp:
            fp32 = Path(tmp) / "model.onnx"
            try:
                export_onnx(model, ctx.parent.tokenizer, fp32)
            except Exception as exc:  # the exporter raises many types; say which model failed and why
                raise IncompatibleError(
                    f"onnx-int8: {ctx.parent.id!r} ({type(model).__name__}) could not be exported to ONNX: "
                    f"{type(exc).__name__}: {_first_line(exc)}. Use int8 instead."
                ) from exc
            try:
                check_export(ctx, fp32)
                quantize_onnx_int8(fp32, ctx.folder / ONNX_FILE)
                session = open_session(ctx.folder / ONNX_FILE)
            except IncompatibleError:
                raise
            except Exception as exc:  # onnxruntime's own exception types differ by release
                raise IncompatibleError(
                    f"onnx-int8: onnxruntime {_ort_version()} could not check, quantize or open the graph of "
                    f"{ctx.parent.id!r} ({type(exc).__name__}: {_first_line(exc)}). Use int8 instead."
                ) from exc
        model.config.save_pretrained(str(ctx.folder))
        parameters = count_parameters(model)  # quantizing changes the bytes, not the count
        details = {
            "file": ONNX_FILE,
            "opset": OPSET,
            "parameters": parameters,
            "scheme": INT8_SCHEME,
        }
        return Built(OnnxSequenceClassifier(session, parameters), details)

    def build_for_generation(self, ctx: BuildContext, model: Any) -> Built:
        """Encoder-decoder models: encoder, first-step decoder and decoder-with-past graphs."""
        from workbench.variants.measure import count_parameters
        from workbench.variants.onnx_seq2seq_model import export_generation_variant, load_generation_variant

        parameters = count_parameters(model)
        try:
            details = export_generation_variant(model, ctx.folder)
            loaded = load_generation_variant(ctx.folder, parameters)
        except IncompatibleError:
            raise
        except Exception as exc:  # the exporter and onnxruntime raise many types; say which model failed
            raise IncompatibleError(
                f"onnx-int8: {ctx.parent.id!r} ({type(model).__name__}) could not be exported to ONNX for "
                f"generation: {type(exc).__name__}: {_first_line(exc)}. Use int8 instead."
            ) from exc
        scheme = f"{INT8_SCHEME}; encoder + decoder with past keys/values"
        return Built(loaded, {**details, "opset": OPSET, "parameters": parameters, "scheme": scheme})
