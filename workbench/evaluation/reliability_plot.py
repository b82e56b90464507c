"""The reliability diagram: confidence bins against how often the model was right in each.

A calibrated model's points lie on the diagonal. Before and after calibration are drawn on the same
axes, with different markers as well as colours (readable in grey and by colour-blind readers).
Pure: takes a calibration report (``workbench.evaluation.calibration.report``), returns a figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BEFORE_STYLE = {"color": "#b35806", "marker": "o", "linestyle": "--"}
AFTER_STYLE = {"color": "#2166ac", "marker": "s", "linestyle": "-"}


def _series(bins: list[dict]) -> tuple[list[float], list[float], list[float]]:
    filled = [b for b in bins if b["count"]]
    total = sum(b["count"] for b in filled) or 1
    return (
        [b["confidence"] for b in filled],
        [b["accuracy"] for b in filled],
        [30 + 270 * b["count"] / total for b in filled],
    )


def reliability_figure(calibration: dict[str, Any], title: str = "Reliability diagram") -> Any:
    """A matplotlib figure of the bins before and after calibration, the diagonal drawn."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    figure = Figure(figsize=(5.2, 4.6), dpi=110)
    ax = figure.add_subplot()
    ax.plot([0, 1], [0, 1], color="#404040", linewidth=1, linestyle=":", label="perfect calibration")
    curves = [("before", "before calibration", BEFORE_STYLE)]
    if calibration.get("temperature", 1.0) != 1.0:
        curves.append(("after", f"after (temperature {calibration['temperature']:.3g})", AFTER_STYLE))
    for key, name, style in curves:
        x, y, sizes = _series(calibration[key]["bins"])
        ece = calibration[key]["ece"]
        ax.plot(x, y, label=f"{name}: ECE {ece:.3f}", linewidth=1.5, markersize=0, **style)
        ax.scatter(x, y, s=sizes, color=style["color"], marker=style["marker"], zorder=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("Confidence the model stated (bins of 10 %)")
    ax.set_ylabel("How often it was right")
    ax.set_title(f"{title} ({calibration['rows']} rows; marker area = rows in the bin)", fontsize=9)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    figure.tight_layout()
    return figure


def save_reliability_png(
    calibration: dict[str, Any], path: str | Path, title: str = "Reliability diagram"
) -> Path:
    """Write the diagram as a PNG (the parent folder is created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    reliability_figure(calibration, title).savefig(path, format="png")
    return path
