"""A Streamlit progress bar as a core ``progress`` callback, for long calls made in the script thread
(batch prediction, queue building, explanations of many rows). Never used from another thread."""

from __future__ import annotations

import streamlit as st

from workbench.progress import ProgressCallback, ProgressEvent


def progress_bar(text: str) -> ProgressCallback:
    """A callback that moves a new progress bar; the bar says ``text`` and the step counts."""
    bar = st.progress(0.0, text=text)

    def update(event: ProgressEvent) -> None:
        if event.total_steps:
            message = event.message or text
            bar.progress(event.fraction, text=f"{message} ({event.step} of {event.total_steps})")

    return update
