"""Where the explainer's forward passes run: PyTorch, or ONNX Runtime on the very same weights.

Every SHAP evaluation is one forward pass, so their cost is the explanation's cost. ONNX Runtime runs
small encoders about 1.5-2x faster than eager PyTorch on CPU. The model is exported once (fp32, no
quantization), checked against PyTorch on probe inputs (max |logit difference| ≤ 1e-4, else it is not
used), and cached in the workspace next to the explanations. ``auto`` uses it when onnxruntime is
installed and the check passes, else PyTorch; the values agree to ~1e-6 either way. A model version that
cannot be exported (e.g. an ``int8`` variant: dynamically quantized layers do not trace) is remembered
with the reason, so later sessions fall back to PyTorch at once instead of exporting again.

ONNX Runtime is an optional speed-up, so *any* failure on its path (export, opening the session, the
parity check) falls back to PyTorch with a one-line note; only ``backend="onnx"`` turns it into an error.
Half-precision weights are never exported: the exporter keeps some operations in fp32 beside fp16
tensors, and ONNX Runtime refuses such a mixed graph. They are explained in PyTorch, in the precision the
variant computes in, so the explanation describes the model that actually answers.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import os
import tempfile
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from workbench.config import workspace_home
from workbench.errors import IncompatibleError

Forward = Callable[[dict[str, np.ndarray]], np.ndarray]
MAX_EXPORT_DIFFERENCE = 1e-4
_SESSIONS: dict[str, Any] = {}
_FAILURES: dict[str, str] = {}  # model version (its graph's path) -> why it runs on PyTorch instead
_SESSIONS_LOCK = threading.Lock()


@functools.cache
def is_onnxruntime_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


def torch_forward(model: Any) -> Forward:
    """PyTorch (or any callable model returning ``.logits``), under ``torch.inference_mode``."""
    import torch

    required = list(getattr(model, "input_names", []))  # ONNX-backed variants want every input

    def forward(batch: dict[str, np.ndarray]) -> np.ndarray:
        feeds = _complete(batch, required)
        with torch.inference_mode():
            return model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).logits.float().numpy()

    return forward


def onnx_forward(session: Any) -> Forward:
    names = [i.name for i in session.get_inputs()]

    def forward(batch: dict[str, np.ndarray]) -> np.ndarray:
        return session.run(["logits"], _complete(batch, names))[0]

    return forward


def _complete(batch: dict[str, np.ndarray], required: list[str]) -> dict[str, np.ndarray]:
    """Add the inputs a graph requires but the batch left out (no padding: all ones / all zeros)."""
    ids = batch["input_ids"]
    defaults = {"attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    out = dict(batch)
    for name in required:
        if name not in out and name in defaults:
            out[name] = defaults[name]
    return out if not required else {k: out[k] for k in required}


def choose_forward(loaded: Any, backend: str) -> tuple[Forward, str, str | None]:
    """The forward function for ``backend`` (auto/torch/onnx), its name, and a note if it fell back."""
    if backend == "torch" or not _is_torch_module(loaded.model):
        return torch_forward(loaded.model), "torch", None
    if not is_onnxruntime_available():
        if backend == "onnx":
            raise IncompatibleError(
                "backend 'onnx' needs onnxruntime and onnx: pip install 'llm-onboarding-workbench[onnx]', "
                "or use backend 'torch'."
            )
        return torch_forward(loaded.model), "torch", None
    session, problem = onnx_session(loaded)
    if session is None:
        if backend == "onnx":
            raise IncompatibleError(f"Cannot run model {loaded.id!r} with ONNX Runtime: {problem}")
        return torch_forward(loaded.model), "torch", f"ONNX Runtime not used ({problem}); ran PyTorch."
    return onnx_forward(session), "onnx", None


def _is_torch_module(model: Any) -> bool:
    import torch

    return isinstance(model, torch.nn.Module)


def onnx_session(loaded: Any) -> tuple[Any, str | None]:
    """A checked ONNX Runtime session for this model (exported on first use), or why there is none.

    Both answers are remembered per model version (id + creation time), so a model that cannot be
    exported is tried once, not once per explanation request."""
    key = str(onnx_path(loaded))
    with _SESSIONS_LOCK:
        if key in _SESSIONS:
            return _SESSIONS[key], None
        if key in _FAILURES:
            return None, _FAILURES[key]
        session, problem = _checked_session(loaded, Path(key))
        if session is None:
            _FAILURES[key] = problem or "unknown problem"
            return None, _FAILURES[key]
        _SESSIONS[key] = session
        return session, None


def onnx_path(loaded: Any) -> Path:
    """Where this model version's graph is cached (the creation time tells re-trained models apart)."""
    name = f"{loaded.id}-{int(loaded.record.created * 1000)}.onnx"
    return workspace_home() / "cache" / "explain" / "onnx" / name


def onnx_failure(loaded: Any) -> str | None:
    """Why this model version runs on PyTorch, if ONNX Runtime was tried and could not be used."""
    with _SESSIONS_LOCK:
        return _FAILURES.get(str(onnx_path(loaded)))


def _checked_session(loaded: Any, path: Path) -> tuple[Any, str | None]:
    quantized = _quantized_module(loaded.model)
    if quantized:
        return (
            None,
            f"it has dynamically quantized layers ({quantized}), which the ONNX exporter cannot trace",
        )
    half = _half_precision(loaded.model)
    if half:
        return None, f"it computes in {half}; ONNX Runtime gets fp32 graphs only, so it runs as it is"
    names = _input_names(loaded.model, loaded.tokenizer)
    if not names:
        return None, "its forward() does not name its inputs, so it cannot be exported"
    if not path.is_file():
        problem = _export(loaded.model, loaded.tokenizer, names, path)
        if problem:
            return None, problem
    try:
        session = _open(path)
        difference = _max_difference(loaded, session)
    except Exception as exc:  # onnxruntime's Fail, InvalidGraph... differ by version: all mean "not usable"
        path.unlink(missing_ok=True)
        return (
            None,
            f"ONNX Runtime could not run the exported graph: {type(exc).__name__}: {_first_line(exc)}",
        )
    if not difference <= MAX_EXPORT_DIFFERENCE:
        path.unlink(missing_ok=True)
        return None, f"the exported graph differs from PyTorch by {difference:.2g} on probe inputs"
    return session, None


def _quantized_module(model: Any) -> str | None:
    """The first quantized module (derived from ``torch.ao.nn.quantized``) as "name: class", if any."""
    prefixes = ("torch.ao.nn.quantized", "torch.nn.quantized")
    for name, module in model.named_modules():
        if any(cls.__module__.startswith(prefixes) for cls in type(module).__mro__):
            return f"e.g. {name}: quantized {type(module).__name__}"
    return None


def _half_precision(model: Any) -> str | None:
    """The floating-point type of the weights when it is not fp32 (e.g. ``float16``), else None."""
    import torch

    dtypes = {p.dtype for p in model.parameters() if p.is_floating_point()}
    half = sorted(str(d).removeprefix("torch.") for d in dtypes if d != torch.float32)
    return ", ".join(half) or None


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:200]


def _input_names(model: Any, tokenizer: Any) -> list[str]:
    """Inputs in ``forward``'s order: the order the exporter gives the graph inputs."""
    parameters = inspect.signature(model.forward).parameters
    wanted = set(tokenizer.model_input_names)
    return [name for name in parameters if name in wanted]


def _export(model: Any, tokenizer: Any, names: list[str], path: Path) -> str | None:
    import torch

    dummy = tokenizer(["a short text", "a slightly longer second text"], padding=True, return_tensors="pt")
    kwargs: dict[str, Any] = {n: dummy[n] for n in names}
    if "use_cache" in inspect.signature(model.forward).parameters:
        kwargs["use_cache"] = False  # decoders: logits only, no key/value cache output
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {"logits": {0: "batch"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=path.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (), tmp, kwargs=kwargs, input_names=names,
                output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False,
            )  # fmt: skip
        os.replace(tmp, path)
    except Exception as exc:  # the exporter raises many types across torch versions; all mean "no graph"
        Path(tmp).unlink(missing_ok=True)
        return f"export failed: {type(exc).__name__}: {_first_line(exc)}"
    return None


def _open(path: Path) -> Any:
    import onnxruntime as ort
    import torch

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _max_difference(loaded: Any, session: Any) -> float:
    """Largest |logit| gap between PyTorch and the graph on a padded batch and an unpadded one."""
    tokenizer = loaded.tokenizer
    padded = tokenizer(
        ["a probe", "a longer probe sentence for the check ."], padding=True, return_tensors="np"
    )
    rng = np.random.default_rng(0)
    special = set(tokenizer.all_special_ids)
    vocab = np.array([i for i in range(min(len(tokenizer), 5000)) if i not in special])
    plain = {"input_ids": rng.choice(vocab, size=(3, 19)).astype(np.int64)}
    gaps = []
    for batch in ({k: v.astype(np.int64) for k, v in padded.items()}, plain):
        expected = torch_forward(loaded.model)(batch)
        gaps.append(float(np.abs(onnx_forward(session)(batch) - expected).max()))
    return max(gaps)
