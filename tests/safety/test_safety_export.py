"""Exports: no spreadsheet formulas, no raw personal data; and the layer rules of the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench.safety.export import mask_columns, neutralise_formula, write_safe_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-3.5", "-3.5"),
        ("hello", "hello"),
        (5, 5),
        (None, None),
    ],
)
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def test_write_safe_csv_neutralises_cells_and_headers(tmp_path):
    path = tmp_path / "out.csv"
    write_safe_csv(pd.DataFrame({"=bad": ['=HYPERLINK("x")', "ok"], "n": [-1, 2]}), path)
    assert path.read_text(encoding="utf-8").splitlines() == ["'=bad,n", '"\'=HYPERLINK(""x"")",-1', "ok,2"]


def test_mask_columns_masks_only_the_given_text_columns():
    frame = pd.DataFrame({"text": ["mail jane@example.com", None], "note": ["jane@example.com", "x"]})
    masked = mask_columns(frame, ["text"])
    assert masked["text"].tolist()[0] == "mail [EMAIL]"
    assert masked["note"].tolist() == ["jane@example.com", "x"]
    assert frame["text"].tolist()[0] == "mail jane@example.com"  # the input is not modified


def test_importing_the_safety_package_loads_no_model_or_ui_library():
    code = (
        "import sys, workbench.safety as s; s.scan('x'); "
        "print(sorted(m for m in ('torch', 'transformers', 'streamlit', 'gradio', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
