"""The workbench as a wheel, and its dependencies pinned at the versions installed here.

An exported Space or container installs this project from a wheel placed beside the app (the project
is not on PyPI), with every dependency at the exact version this machine runs, so the export answers
as the workbench did when it was made. The pins come from the installed distributions' metadata (the
transitive closure of the project's requirements, markers evaluated for this Python), not from the
lock, which also holds the test tools.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from workbench.errors import WorkbenchError

PROJECT = "llm-onboarding-workbench"
SOURCE_ITEMS = ("pyproject.toml", "README.md", "workbench", "explain")
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def project_root() -> Path:
    """The source tree this workbench runs from (an editable install or a checkout)."""
    root = Path(__file__).resolve().parents[2]
    missing = [item for item in SOURCE_ITEMS if not (root / item).exists()]
    if missing:
        raise WorkbenchError(
            f"Cannot build the workbench wheel: {root} is not a source checkout (missing "
            f"{', '.join(missing)}). Install the workbench from its repository (`pip install -e .`) to export."
        )
    return root


def build_project_wheel(out_dir: Path) -> Path:
    """Build the pure-Python wheel of this project into ``out_dir`` (a few seconds, no network).

    The sources are copied to a temporary folder first, so setuptools' ``build/`` and ``egg-info``
    litter never lands in the user's checkout.
    """
    root = project_root()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="workbench-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
        for item in SOURCE_ITEMS:
            if (root / item).is_dir():
                shutil.copytree(root / item, src / item, ignore=ignore)
            else:
                shutil.copy2(root / item, src / item)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        done = subprocess.run([*command, "-q", "-w", str(out_dir), str(src)], capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise WorkbenchError(
                f"Building the workbench wheel failed: {' / '.join(tail)}. "
                "It needs setuptools in this environment (`pip install setuptools`)."
            )
    wheels = sorted(out_dir.glob("llm_onboarding_workbench-*.whl"))
    if not wheels:
        raise WorkbenchError(f"pip reported success but wrote no workbench wheel into {out_dir}.")
    return wheels[-1]


def pinned_requirements(extras: tuple[str, ...] = ()) -> list[str]:
    """``name==version`` of every distribution the project needs, as installed here, sorted by name."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    missing: list[str] = []
    pending = [(PROJECT, set(extras))]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, wanted = pending.pop()
        key = (canonicalize_name(name), frozenset(wanted))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        if canonicalize_name(name) != PROJECT:
            pins[canonicalize_name(name)] = f"{dist.metadata['Name']}=={dist.version}"
        for line in dist.requires or []:
            req = Requirement(line)
            if _applies(req, wanted):
                pending.append((req.name, set(req.extras)))
    if missing:
        raise WorkbenchError(
            f"Cannot pin the export's requirements: {', '.join(sorted(set(missing)))} "
            "not installed here. Install the workbench with its extras first (`pip install -e .[...]`)."
        )
    return [pins[k] for k in sorted(pins)]


def _applies(req: object, extras: set[str]) -> bool:
    marker = getattr(req, "marker", None)
    if marker is None:
        return True
    return any(marker.evaluate({"extra": extra}) for extra in (extras or {""}))
