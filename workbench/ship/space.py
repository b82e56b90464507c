"""``workbench export-space``: a folder that runs the Gradio demo of one model alone, as a Hugging Face Space.

Decision: the Space installs *this project* from a wheel placed in the folder (``wheels/``) with every
dependency pinned at the version installed here. Rewriting the demo without the workbench would mean
a second copy of the safety engine, the calibrated predict and the SHAP renderer, answering
differently from ``workbench serve``; the wheel keeps one code path. The folder holds a small
workspace (the model, any model a safety rule asks, the rule file) that ``app.py`` points
``WORKBENCH_HOME`` at, so the demo is exactly ``workbench demo MODEL`` on that workspace.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import WorkbenchError
from workbench.fsutil import atomic_write_json, publish_dir, read_json
from workbench.models.registry import RECORD_FILE, ModelRecord, Registry
from workbench.ship.templates import DOCKERFILE_SPACE, app_py
from workbench.ship.wheel import CPU_TORCH_INDEX, build_project_wheel, pinned_requirements

SDKS = ("gradio", "docker")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
LOADER_EXTRAS = {"onnx": ("onnx",)}  # a variant loader that needs an optional extra at run time
EXAMPLES_FILE = "workspace/examples.csv"
MAX_EXAMPLES = 4
SPACE_PORT = 7860


@dataclass
class SpaceExport:
    """What ``export_space`` wrote: the folder, the model it serves and every file, relative."""

    folder: Path
    model_id: str
    sdk: str
    files: list[str] = field(default_factory=list)
    extra_models: list[str] = field(default_factory=list)


def export_space(model: str, folder: str | Path, sdk: str = "gradio") -> SpaceExport:
    """Write the Space for ``model`` into ``folder`` (new or empty); the folder appears complete or not at all."""
    if sdk not in SDKS:
        raise WorkbenchError(f"Unknown Space SDK {sdk!r}: use one of {', '.join(SDKS)}.")
    target = Path(folder).expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise WorkbenchError(
            f"{target} already exists and is not an empty folder: choose a new folder for the Space "
            "(the export never overwrites files)."
        )
    registry = Registry()
    record = registry.get(model)
    staging = target.parent / f".{target.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        extra_models = _write_space(staging, registry, record, sdk)
        if target.exists():
            target.rmdir()
        publish_dir(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    return SpaceExport(target, record.id, sdk, files, extra_models)


def _write_space(out: Path, registry: Registry, record: ModelRecord, sdk: str) -> list[str]:
    from workbench.safety import active_rules, default_rules_path, workspace_rules_path

    rules = active_rules()  # also proves the rule file is valid before anything is shipped
    workspace = out / "workspace"
    _copy_model(registry, record, workspace / "models" / record.id, out)
    extra = [m for m in _rule_models(rules, registry) if m != record.id]
    for model_id in extra:
        _copy_model(registry, registry.get(model_id), workspace / "models" / model_id, out)
    if workspace_rules_path().is_file():
        (workspace / "safety").mkdir(parents=True, exist_ok=True)
        shutil.copy2(workspace_rules_path(), workspace / "safety" / "rules.yaml")
    (out / "safety").mkdir()
    shutil.copy2(default_rules_path(), out / "safety" / "default_rules.yaml")
    _write_examples(out, record, rules)

    wheel = build_project_wheel(out / "wheels")
    extras = LOADER_EXTRAS.get(str(record.recipe.get("loader", "")), ())
    (out / "requirements.txt").write_text(requirements_txt(wheel.name, extras), encoding="utf-8")
    (out / "app.py").write_text(app_py(record.id), encoding="utf-8")
    (out / "README.md").write_text(space_readme(registry, record, sdk), encoding="utf-8")
    (out / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    if sdk == "docker":
        (out / "Dockerfile").write_text(DOCKERFILE_SPACE.format(port=SPACE_PORT), encoding="utf-8")
    return extra


GITATTRIBUTES = (
    "*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.whl filter=lfs diff=lfs merge=lfs -text\n"
)


def requirements_txt(wheel_name: str, extras: tuple[str, ...] = ()) -> str:
    """The wheel plus every dependency pinned; torch from the CPU index (PyPI's bundles CUDA, GBs)."""
    suffix = f"[{','.join(extras)}]" if extras else ""
    lines = [
        "# Written by `workbench export-space`: the workbench wheel and every dependency at the version",
        "# the model was exported with. torch comes from PyTorch's CPU index.",
        f"--extra-index-url {CPU_TORCH_INDEX}",
        f"./wheels/{wheel_name}{suffix}",
        *pinned_requirements(extras),
    ]
    return "\n".join(lines) + "\n"


def _copy_model(registry: Registry, record: ModelRecord, dest: Path, out: Path) -> None:
    source = registry.path(record.id)
    pickled = sorted(p.name for p in source.rglob("*") if p.suffix in PICKLE_SUFFIXES)
    if pickled:
        raise WorkbenchError(
            f"Model {record.id!r} holds pickled weights ({', '.join(pickled)}); a Space gets safetensors "
            "only. Re-save it as safetensors (train or build the variant again) before exporting."
        )
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".*"))
    if record.adapter:
        data = record.to_dict()
        data["extra"] = {**record.extra, "base_source": _ship_adapter_base(record, out)}
        atomic_write_json(dest / RECORD_FILE, data)


def _ship_adapter_base(record: ModelRecord, out: Path) -> str:
    """An adapter needs its base: a local base folder is copied into the Space (``bases/``); the default
    model comes with its pip package and a Hub id is downloaded by the Space itself."""
    from workbench.config import default_model_path

    saved = str(record.extra.get("base_source") or record.base_model)
    base = Path(saved).expanduser()
    if not base.is_dir():
        return saved  # a Hub id (or the default alias): resolved where the Space runs
    if default_model_path() is not None and base.resolve() == default_model_path().resolve():
        return ""  # the recorded base_model ("default") resolves to the installed package
    relative = f"workspace/bases/{record.id}"
    if not (out / relative).exists():
        shutil.copytree(base, out / relative, ignore=shutil.ignore_patterns(".*"))
    return relative


def _rule_models(rules: Any, registry: Registry) -> list[str]:
    """Models the safety rules ask (model-backed detectors), as they resolve here: the newest training of
    each rule's model and the variant the rule asks (`variant: int8`). The Space needs them too, and
    both: there the rule finds the training by its name, then the variant built from it."""
    from workbench.safety.detectors.model import models_rules_ask

    found = [model.id for _, *models in models_rules_ask(rules, registry) for model in models]
    return list(dict.fromkeys(found))


def _write_examples(out: Path, record: ModelRecord, rules: Any) -> None:
    """A few training texts, personal data masked, so the Space shows examples without the data."""
    import csv

    from workbench.data import read_table
    from workbench.safety import mask_text

    path, column = record.spec.get("train_data"), record.spec.get("text_col") or "text"
    try:
        texts = read_table(path)[column].dropna().astype(str) if path else []
    except (WorkbenchError, OSError, KeyError):
        texts = []  # the training file is gone: the Space works without examples
    short = [t for t in dict.fromkeys(texts) if 10 <= len(t) <= 200][:MAX_EXAMPLES]
    if not short:
        return
    with open(out / EXAMPLES_FILE, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        writer.writerows([mask_text(t, rules)] for t in short)
    record_file = out / "workspace" / "models" / record.id / RECORD_FILE
    data = read_json(record_file)
    data["spec"] = {**data.get("spec", {}), "train_data": EXAMPLES_FILE, "text_col": "text"}
    data["spec"].pop("eval_data", None)
    atomic_write_json(record_file, data)


def space_readme(registry: Registry, record: ModelRecord, sdk: str) -> str:
    """Spaces front matter (https://hf.co/docs/hub/spaces-config-reference) + the model card."""
    from importlib.metadata import version

    from workbench.models.card import card_metadata, hub_base_model

    meta: dict[str, Any] = {
        "title": record.name[:30],
        "emoji": "🧭",
        "colorFrom": "blue",
        "colorTo": "indigo",
        "sdk": sdk,
    }
    if sdk == "gradio":
        meta.update(sdk_version=version("gradio"), python_version="3.11", app_file="app.py")
    else:
        meta["app_port"] = SPACE_PORT
    meta["pinned"] = False
    meta["tags"] = card_metadata(record).get("tags", [])
    base = hub_base_model(record.base_model)
    if base:
        meta["models"] = [base]
    meta["short_description"] = f"Demo of the {record.task} model {record.id}"[:60]
    card = (registry.path(record.id) / "README.md").read_text(encoding="utf-8")
    body = _strip_front_matter(card)
    run = "docker build -t space . && docker run -p 7860:7860 space" if sdk == "docker" else "python app.py"
    intro = [
        f"The Gradio demo of `{record.id}`, exported by the LLM Onboarding Workbench: text in → label with",
        "probabilities, the safety rules' hits and the SHAP heat map. Run it locally with",
        "",
        "```",
        *(["pip install -r requirements.txt"] if sdk == "gradio" else []),
        run,
        "```",
        "",
        "`workspace/` holds the model and the safety rules (`safety/default_rules.yaml` are the defaults).",
        "",
    ]
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip()
    return "\n".join(["---", front, "---", "", *intro, body])


def _strip_front_matter(card: str) -> str:
    if card.startswith("---\n"):
        end = card.find("\n---", 4)
        if end != -1:
            return card[end + 4 :].lstrip("\n")
    return card
