"""Monitoring page pieces: alerts, traffic and latency over time, the drift table with its thresholds.

Everything comes from ``workbench.serve.monitor.report.build_report`` (what ``workbench monitor`` and
``GET /v1/models/{name}/health`` read too), so the page and the CLI show the same numbers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

CHART_HEIGHT = 220


def deployment_store() -> Any:
    from workbench.serve.deployments import DeploymentStore

    return DeploymentStore()


def deployment_names() -> list[str]:
    return [d.name for d in deployment_store().list()]


def load_report(name: str, window: int) -> Any:
    from workbench.serve.monitor.report import MonitorSpec, build_report

    return build_report(name, MonitorSpec(window=window))


def alerts_table(report: Any) -> pd.DataFrame:
    rows = [{"kind": a.kind, "check": a.check, "reason": a.reason} for a in report.alerts]
    return pd.DataFrame(rows, columns=["kind", "check", "reason"])


def show_alerts(report: Any) -> None:
    if report.alerts:
        st.error(f"{len(report.alerts)} alert(s) on {report.deployment} ({report.version})")
        st.dataframe(alerts_table(report), hide_index=True, key="monitor.alerts")
    else:
        st.success(f"No alerts on {report.deployment} ({report.version}).")
    for note in report.notes:
        st.caption(note)


def traffic_frame(report: Any) -> pd.DataFrame:
    rows = [
        {"start": pd.to_datetime(b.start, unit="s"), "requests": b.requests, "errors": b.errors,
         "429": b.rate_limited, "503": b.overloaded, "p50 ms": b.p50_ms, "p95 ms": b.p95_ms,
         "cache hit rate": b.cache_hit_rate}
        for b in report.traffic.buckets
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["start", "requests", "errors", "429", "503", "p50 ms", "p95 ms",
                                       "cache hit rate"])  # fmt: skip


def _chart(frame: pd.DataFrame, columns: list[str], title: str, mark: str) -> Any:
    import altair as alt  # lazily: ~1 s at import

    long = frame.melt(id_vars="start", value_vars=columns, var_name="series", value_name="value")
    base = alt.Chart(long, title=title, height=CHART_HEIGHT)
    chart = base.mark_line(point=True) if mark == "line" else base.mark_bar()
    return chart.encode(
        x=alt.X("start:T", title="time"),
        y=alt.Y("value:Q", title=title),
        color=alt.Color("series:N"),
        xOffset="series:N" if mark == "bar" else alt.Undefined,
        tooltip=["start:T", "series:N", "value:Q"],
    )


def show_traffic(report: Any) -> None:
    t = report.traffic
    cols = st.columns(5)
    cols[0].metric("Requests", f"{t.requests:,}")
    cols[1].metric("Latency p50 / p95", f"{t.p50_ms or 0:.1f} / {t.p95_ms or 0:.1f} ms")
    cols[2].metric("Error rate (5xx, 429)", f"{t.error_rate:.1%}")
    cols[3].metric("429 / 503", f"{t.rate_limited} / {t.overloaded}")
    cols[4].metric("Cache hit rate", "-" if t.cache_hit_rate is None else f"{t.cache_hit_rate:.0%}")
    frame = traffic_frame(report)
    if frame.empty:
        st.caption("No traffic logged yet: requests to `workbench serve` appear here.")
        return
    st.caption(f"Buckets of {t.bucket_seconds // 60} minutes.")
    left, right = st.columns(2)
    left.altair_chart(_chart(frame, ["p50 ms", "p95 ms"], "latency (ms)", "line"))
    right.altair_chart(_chart(frame, ["requests", "errors", "429", "503"], "requests", "bar"))
    if t.safety_hits:
        hits = pd.DataFrame(list(t.safety_hits.items()), columns=["category", "hits"])
        st.dataframe(hits, hide_index=True, key="monitor.safety")


def drift_frame(report: Any) -> pd.DataFrame:
    rows = [
        {"check": c.check, "statistic": c.statistic, "value": c.value, "threshold": c.threshold,
         "drifted": "yes" if c.drifted else "no", "detail": c.detail}
        for c in report.drift
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["check", "statistic", "value", "threshold", "drifted", "detail"])


def show_drift(report: Any) -> None:
    if not report.drift:
        return
    ref = report.reference
    st.caption(
        f"The last {report.window_rows} predictions of {report.version} against its {ref['rows']} validation "
        f"predictions ({ref['source']}). A PSI threshold is 0.2 or the noise of a window this size drawn "
        "from the validation predictions themselves, whichever is larger."
    )
    st.dataframe(drift_frame(report), hide_index=True, key="monitor.drift")


def load_comparison(name: str) -> Any:
    from workbench.serve.monitor.rollout import live_comparison

    return live_comparison(name)


def versions_frame(comparison: Any) -> pd.DataFrame:
    rows = [
        {"version": s.version, "role": s.role, "answered": s.answered, "mirrored": s.mirrored,
         "mean confidence": s.mean_confidence, "p50 ms": s.p50_ms, "p95 ms": s.p95_ms,
         "labels": ", ".join(f"{k} {v:.0%}" for k, v in s.label_shares.items())}
        for s in (comparison.current, comparison.candidate)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def show_rollout(store: Any, name: str, comparison: Any) -> None:
    """The trial's comparison on live traffic, its masked disagreements, and promote / drop."""
    c = comparison
    how = f"canary answering {c.share:g}% of requests" if c.rollout == "canary" else "shadow (never answers)"
    st.markdown(f"**{c.candidate.version}** on trial as a {how}, beside **{c.current.version}**.")
    agreement = "-" if c.agreement is None else f"{c.agreement:.1%}"
    st.metric("Label agreement", agreement, help=f"On {c.pairs} texts both versions predicted.")
    st.dataframe(versions_frame(c), hide_index=True, key="monitor.versions")
    if c.disagreements:
        st.caption("Texts where they disagree (masked, newest last):")
        st.dataframe(pd.DataFrame(c.disagreements), hide_index=True, key="monitor.disagreements")
    left, right = st.columns(2)
    if left.button(f"Promote {c.candidate.version}", key="monitor.promote", type="primary"):
        _apply(lambda: store.promote(name, by=ROLLOUT_BY), "promoted: it now answers every request")
    if right.button(f"Drop {c.candidate.version}", key="monitor.drop"):
        _apply(lambda: store.drop(name, by=ROLLOUT_BY), "dropped: the current version answers every request")


ROLLOUT_BY = "streamlit"


def _apply(change: Any, what: str) -> None:
    from workbench.ui.errors import guard
    from workbench.ui.layout import flash

    with guard():
        done = change()
        flash(f"{done.name}: {done.from_version if done.action == 'drop' else done.to_version} {what}.")
        st.rerun()
