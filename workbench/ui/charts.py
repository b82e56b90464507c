"""Altair charts for training curves and evaluation results. Pure functions: data in, chart out,
so pages (and tests) can build them without a running app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import altair as alt

CURVE_HEIGHT = 240
CELL_SIZE = 44  # confusion-matrix cell, pixels


def curve_frame(events: list[dict[str, Any]], run_name: str = "") -> pd.DataFrame:
    """Long table ``step, series, value, run`` from a run's progress events: training loss from
    ``step`` events, every validation metric from ``eval`` events (prefixed ``val_``)."""
    rows = []
    for event in events:
        metrics = event.get("metrics") or {}
        if event.get("kind") == "step" and metrics.get("loss") is not None:
            rows.append({"step": event["step"], "series": "train_loss", "value": metrics["loss"]})
        elif event.get("kind") == "eval":
            rows += [
                {"step": event["step"], "series": f"val_{name}", "value": value}
                for name, value in metrics.items()
                if isinstance(value, int | float) and name not in ("epoch",)
            ]
    frame = pd.DataFrame(rows, columns=["step", "series", "value"])
    frame["run"] = run_name
    return frame


def _curves(frame: pd.DataFrame, series: list[str], title: str, color: str) -> alt.Chart:
    import altair as alt  # lazily: altair costs ~1 s at import, the home page draws no chart

    data = frame[frame["series"].isin(series)]
    return (
        alt.Chart(data, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            color=alt.Color(f"{color}:N", title=None),
            strokeDash=alt.StrokeDash("series:N", title=None) if color == "run" else alt.Undefined,
            tooltip=["run", "series", "step", alt.Tooltip("value:Q", format=".4f")],
        )
        .properties(height=CURVE_HEIGHT)
    )


def loss_chart(frame: pd.DataFrame, color: str = "series") -> alt.Chart:
    """Training and validation loss over steps (``color="run"`` overlays several runs)."""
    return _curves(frame, ["train_loss", "val_loss"], "Loss", color)


def metric_chart(frame: pd.DataFrame, color: str = "series") -> alt.Chart:
    """Validation metrics other than loss over steps."""
    series = [s for s in frame["series"].unique() if s.startswith("val_") and s != "val_loss"]
    return _curves(frame, series, "Validation metrics", color)


def confusion_chart(matrix: list[list[int]], labels: list[str]) -> alt.Chart:
    """Confusion matrix heatmap: rows are true labels, columns predicted, counts written in cells."""
    import altair as alt  # lazily: altair costs ~1 s at import, the home page draws no chart

    rows = [
        {"true": labels[i], "predicted": labels[j], "count": int(count)}
        for i, row in enumerate(matrix)
        for j, count in enumerate(row)
    ]
    data = pd.DataFrame(rows)
    base = alt.Chart(data, title="Confusion matrix (validation)").encode(
        x=alt.X("predicted:N", sort=labels, title="predicted"),
        y=alt.Y("true:N", sort=labels, title="true"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=["true", "predicted", "count"],
    )
    text = base.mark_text().encode(
        text="count:Q",
        color=alt.condition(
            alt.datum.count > data["count"].max() / 2, alt.value("white"), alt.value("black")
        ),
    )
    return (cells + text).properties(width=alt.Step(CELL_SIZE), height=alt.Step(CELL_SIZE))


def per_class_frame(per_class: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, one row per class."""
    frame = pd.DataFrame.from_dict(per_class, orient="index")
    keep = [c for c in ("precision", "recall", "f1-score", "support") if c in frame.columns]
    frame = frame[keep]
    if "support" in frame:
        frame["support"] = frame["support"].astype(int)
    return frame.rename_axis("class")


def label_counts_chart(labels: dict[str, int]) -> alt.Chart:
    import altair as alt  # lazily: altair costs ~1 s at import, the home page draws no chart

    data = pd.DataFrame({"label": list(labels), "rows": list(labels.values())})
    return (
        alt.Chart(data, title="Rows per label")
        .mark_bar()
        .encode(x=alt.X("rows:Q"), y=alt.Y("label:N", sort="-x", title=None), tooltip=["label", "rows"])
        .properties(height=alt.Step(24))
    )


def probability_chart(probabilities: dict[str, float]) -> alt.Chart:
    import altair as alt  # lazily: altair costs ~1 s at import, the home page draws no chart

    data = pd.DataFrame({"label": list(probabilities), "probability": list(probabilities.values())})
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("label:N", sort="-x", title=None),
            tooltip=["label", alt.Tooltip("probability:Q", format=".3f")],
        )
        .properties(height=alt.Step(22))
    )
