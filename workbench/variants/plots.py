"""Figures of a comparison table: metric vs throughput and metric vs size, Pareto front marked.

Pure functions returning Altair charts (``st.altair_chart(chart)`` in Streamlit; displayed as is in a
notebook; ``chart.save("x.html")`` anywhere). Nothing is shown or written here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

LOWER_IS_BETTER = {"size_mb", "peak_mem_mb", "latency_ms_p50", "latency_ms_p95", "params"}
LOWER_IS_BETTER_METRICS = {"mse", "mae", "ece", "loss"}
PERCENT_METRICS = {"accuracy", "subset_accuracy", "f1_macro", "f1_micro", "f1_weighted", "agreement"}
AXIS_FORMATS = {  # d3 formats: readable ticks, never raw floats such as 0.966667
    "throughput_rps": ",.0f",
    "size_mb": ",.1f",
    "latency_ms_p50": ",.1f",
    "latency_ms_p95": ",.1f",
    "peak_mem_mb": ",.0f",
}
TITLES = {
    "throughput_rps": "Throughput (rows/s, batch 32)",
    "size_mb": "Size on disk (MB)",
    "latency_ms_p50": "Latency p50 (ms, batch 1)",
    "peak_mem_mb": "Peak memory (MB)",
}


def higher_is_better(df: pd.DataFrame, column: str) -> bool:
    if column == "metric_value" and "metric" in df and len(df):
        return str(df["metric"].iloc[0]) not in LOWER_IS_BETTER_METRICS
    return column not in LOWER_IS_BETTER


def pareto_front(
    df: pd.DataFrame, x: str, y: str, *, x_higher: bool | None = None, y_higher: bool | None = None
) -> pd.Series:
    """True for rows no other row beats on both ``x`` and ``y`` (better on one, no worse on the other).

    Directions default to what the column means (more throughput is better, less size is better, the
    metric's own direction); pass ``x_higher`` / ``y_higher`` to override.
    """
    sx = 1.0 if (higher_is_better(df, x) if x_higher is None else x_higher) else -1.0
    sy = 1.0 if (higher_is_better(df, y) if y_higher is None else y_higher) else -1.0
    xs, ys = df[x].astype(float).to_numpy() * sx, df[y].astype(float).to_numpy() * sy
    on_front = []
    for i in range(len(df)):
        dominated = ((xs >= xs[i]) & (ys >= ys[i]) & ((xs > xs[i]) | (ys > ys[i]))).any()
        on_front.append(not dominated)
    return pd.Series(on_front, index=df.index, name="pareto")


def metric_format(metric: str) -> str:
    """Percent for rates (accuracy, F1: "96.7%"), three significant digits otherwise (MSE, ECE)."""
    return ".1%" if metric in PERCENT_METRICS else ",.3~g"


def _tradeoff_chart(df: pd.DataFrame, x: str, title: str) -> Any:
    import altair as alt

    data = df.assign(pareto=pareto_front(df, x, "metric_value"))
    data["label"] = data["variant"].astype(str)
    metric = str(df["metric"].iloc[0]) if len(df) else "metric"
    x_format, y_format = AXIS_FORMATS.get(x, ",.3~g"), metric_format(metric)
    x_enc = alt.X(
        f"{x}:Q", title=TITLES.get(x, x), scale=alt.Scale(zero=False), axis=alt.Axis(format=x_format)
    )
    y_enc = alt.Y("metric_value:Q", title=metric, scale=alt.Scale(zero=False), axis=alt.Axis(format=y_format))
    formats = {x: x_format, "metric_value": y_format, "agreement": ".1%", "speedup": ".2f"}
    tooltip = [
        alt.Tooltip(c, format=formats[c]) if c in formats else alt.Tooltip(c)
        for c in ("model_id", "variant", x, "metric_value", "agreement", "speedup")
        if c in data
    ]
    points = (
        alt.Chart(data)
        .mark_circle(size=90)
        .encode(
            x=x_enc,
            y=y_enc,
            tooltip=tooltip,
            color=alt.Color(
                "pareto:N",
                title="Pareto front",
                scale=alt.Scale(domain=[True, False], range=["#d62728", "#7f7f7f"]),
            ),
        )
    )
    front = alt.Chart(data[data["pareto"]].sort_values(x)).mark_line(color="#d62728", strokeDash=[4, 3])
    front = front.encode(x=x_enc, y=y_enc, order=f"{x}:Q")
    labels = (
        alt.Chart(data)
        .mark_text(align="left", dx=7, dy=-6, fontSize=11)
        .encode(x=x_enc, y=y_enc, text="label")
    )
    return (front + points + labels).properties(title=title, width=480, height=320)


def plot_accuracy_vs_throughput(df: pd.DataFrame) -> Any:
    """Metric against rows/s: up and right is better; the red line is the Pareto front."""
    return _tradeoff_chart(df, "throughput_rps", "Accuracy vs throughput")


def plot_accuracy_vs_size(df: pd.DataFrame) -> Any:
    """Metric against size on disk: up and left is better; the red line is the Pareto front."""
    return _tradeoff_chart(df, "size_mb", "Accuracy vs size on disk")
