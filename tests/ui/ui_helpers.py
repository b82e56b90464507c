"""Helpers for the page tests: run the real ``app.py`` in ``AppTest`` and read what a page shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 120


def open_page(page: str, **state: Any):
    """Run the app with ``state`` in session state and switch to ``page`` (``"pages/data.py"``)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def sidebar_text(at) -> str:
    return "\n".join(texts(at.sidebar.markdown))


def chart_specs(at) -> list[str]:
    """The Vega-Lite specs (JSON text) of every Altair chart on the page."""
    return [element.proto.spec for element in at.get("vega_lite_chart")]


def chart_frames(at) -> list:
    """The data of every Altair chart on the page (one frame per dataset)."""
    import pyarrow as pa

    return [
        pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        for element in at.get("vega_lite_chart")
        for dataset in element.proto.datasets
    ]
