"""How far to trust a model's confidence: the temperature, ECE and Brier before → after, and the
reliability diagram (confidence bins against accuracy, diagonal = perfectly calibrated)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from workbench.models.registry import ModelRecord


def calibration_view(record: ModelRecord) -> None:
    calibration: dict[str, Any] | None = record.extra.get("calibration")
    if not calibration:
        return
    st.markdown("**Calibration** (does the stated confidence match how often the model is right?)")
    if calibration.get("skipped"):
        st.caption(f"Not calibrated: {calibration['skipped']}.")
        return
    before, after = calibration["before"], calibration["after"]
    temperature, ece, brier = st.columns(3)
    temperature.metric("Temperature", f"{calibration['temperature']:.3g}", help=_source(calibration))
    ece.metric(
        "Calibration error (ECE)",
        f"{after['ece']:.3f}",
        delta=f"{after['ece'] - before['ece']:+.3f} from {before['ece']:.3f}",
        delta_color="inverse",
        help="Expected calibration error: the average gap between stated confidence and accuracy"
        " over 10 confidence bins (0 = confidence means what it says).",
    )
    brier.metric(
        "Brier score",
        f"{after['brier']:.3f}",
        delta=f"{after['brier'] - before['brier']:+.3f} from {before['brier']:.3f}",
        delta_color="inverse",
        help="Mean squared distance between the probabilities and the true label (lower is better).",
    )
    from workbench.evaluation.reliability_plot import reliability_figure

    st.pyplot(
        reliability_figure(calibration, f"{record.id}, validation"),
        width="content",
        alt=f"Reliability diagram: ECE {before['ece']:.3f} before and {after['ece']:.3f} after calibration",
    )
    st.caption(
        f"{_source(calibration)}; measured on {calibration['rows']} validation rows. Points on the"
        " dotted diagonal mean the stated confidence is how often the model is right; points above it"
        " mean the model is more often right than it says. The predicted labels do not change."
    )


def _source(calibration: dict[str, Any]) -> str:
    return {
        "inherited": "The parent's temperature, re-checked on the parent's validation texts",
        "refit": "Refitted for this variant on the parent's validation texts (the parent's no longer fitted)",
    }.get(calibration.get("source", ""), "Fitted on the validation split after training")
