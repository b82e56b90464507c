"""Layers one way: the core never imports UI libraries; pages never import model libraries."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_LIBS = {"streamlit", "gradio"}
MODEL_LIBS = {"torch", "transformers", "peft", "shap"}
UI_ADAPTERS = ("workbench/ui/", "workbench/serve/")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def test_core_never_imports_ui_libraries():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _python_files("workbench", "explain")
        if not str(p.relative_to(ROOT)).startswith(UI_ADAPTERS) and _imports(p) & UI_LIBS
    ]
    assert offenders == []


def test_pages_never_import_model_libraries():
    files = (
        [*_python_files("pages"), ROOT / "app.py"] if (ROOT / "app.py").exists() else _python_files("pages")
    )
    offenders = [str(p.relative_to(ROOT)) for p in files if _imports(p) & MODEL_LIBS]
    assert offenders == []


def test_import_workbench_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, workbench, workbench.cli.main; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
