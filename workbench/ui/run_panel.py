"""The live view of a training run: a fragment that re-reads the run folder every second while the
worker process trains, so the rest of the page stays responsive. Nothing here runs in a thread:
the worker writes ``status.json``/``metrics.jsonl`` and this fragment only reads them. A session sees,
cancels and resumes only its own runs; other sessions' jobs appear only as a count in the queue."""

from __future__ import annotations

from typing import Any

import streamlit as st

from workbench.errors import WorkbenchError
from workbench.training import runs
from workbench.ui.charts import curve_frame, loss_chart, metric_chart
from workbench.ui.errors import guard, show_run_failure
from workbench.ui.session import session_id

POLL_SECONDS = 1.0
STATE_ICONS = {
    "queued": ":material/hourglass_top:",
    "running": ":material/directions_run:",
    "completed": ":material/check_circle:",
    "failed": ":material/error:",
    "cancelled": ":material/stop_circle:",
}


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "estimating…"
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


ETA_NOISE_SECONDS, ETA_NOISE_SHARE = 5.0, 0.15


def smooth_eta(previous: tuple[float, float] | None, raw: float | None, now: float) -> float | None:
    """The time left to show, from the last shown ``(eta, when)`` and the worker's new estimate.

    The shown value counts down steadily; a new estimate below it pulls it down (partly), one above
    it is ignored while within the noise (5 s or 15 %), and a real slowdown raises it only halfway,
    so one slow batch is never announced as news.
    """
    if previous is None or previous[0] is None:
        return raw
    expected = max(0.0, previous[0] - (now - previous[1]))
    if raw is None:
        return expected
    noise = max(ETA_NOISE_SECONDS, ETA_NOISE_SHARE * expected)
    if raw <= expected:
        return expected + 0.3 * (raw - expected)
    if raw <= expected + noise:
        return expected
    return expected + 0.5 * (raw - expected)


def progress_text(status: dict[str, Any], eta: float | None = None) -> str:
    step, total = status.get("step") or 0, status.get("total_steps") or 0
    if not total:
        return status.get("message") or "preparing data and model…"
    eta = status.get("eta_seconds") if eta is None else eta
    return f"step {step} of {total} · time left {format_seconds(eta)}"


def shown_eta(run_id: str, status: dict[str, Any]) -> float | None:
    """The smoothed time left of a run, remembered per session between polls."""
    import time

    key = f"train.eta.{run_id}"
    now = time.monotonic()
    eta = smooth_eta(st.session_state.get(key), status.get("eta_seconds"), now)
    st.session_state[key] = (eta, now)
    return eta


def show_run(run_id: str, on_completed: Any = None) -> None:
    """Show run ``run_id``; poll while it is queued or running. ``on_completed(status)`` renders the
    final report once the run has finished."""
    with guard():
        run = runs.get_run(run_id)
    if run.owner != session_id():
        st.session_state["run_id"] = None  # another session's run: not ours to watch
        return
    state = run.status().get("state")
    active = state in runs.ACTIVE_STATES
    panel = st.fragment(run_every=POLL_SECONDS if active else None)(_run_body)
    panel(run_id, active, on_completed)


def _run_body(run_id: str, was_active: bool, on_completed: Any) -> None:
    run = runs.get_run(run_id)
    status = run.status()
    state = status.get("state", "unknown")
    if was_active and state not in runs.ACTIVE_STATES:
        st.rerun()  # the run just ended: redraw the page once, without polling
    st.markdown(f"**Run `{run.id}`** {STATE_ICONS.get(state, '')} {state}")
    if state == "queued":
        _queued(run)
    elif state == "running":
        text = progress_text(status, shown_eta(run.id, status))
        st.progress(float(status.get("fraction") or 0.0), text=text)
        _cancel_button(run)
    elif state == "failed":
        show_run_failure(status.get("error") or "", status.get("problems"), run.log_tail())
        if run.has_checkpoint():
            _resume_button(run)
    elif state == "cancelled":
        _cancelled(run)
    _curves(run.events())
    if state == "completed" and on_completed is not None:
        on_completed(status)


def queue_text(position: int) -> str:
    """Where a queued run stands; the runs ahead are counted, never named (they may be others')."""
    ahead = "1 run" if position == 1 else f"{position} runs"
    return (
        f"Queued: {ahead} ahead of yours. One job trains at a time on this CPU; yours starts by "
        "itself when the CPU is free."
    )


def _queued(run: runs.RunDir) -> None:
    position = runs.queue_position(run)
    if position > 0:
        st.info(queue_text(position))
    else:
        st.info("Starting: loading the model and checking the data…")
    _cancel_button(run)


def _cancel_button(run: runs.RunDir) -> None:
    if st.button(
        "Cancel run",
        key=f"cancel-{run.id}",
        help="Stops after the current step and saves a checkpoint, so the run can be resumed.",
    ):
        try:
            runs.cancel_run(run.id, owner=session_id())
        except WorkbenchError as exc:
            st.warning(str(exc))
        else:
            st.toast("Cancel requested: the run stops after the current step.")


def _cancelled(run: runs.RunDir) -> None:
    if not run.has_checkpoint():
        st.info("This run was cancelled before its first checkpoint; start a new run instead.")
        return
    st.info("This run was cancelled. Resume continues from its last checkpoint.")
    _resume_button(run)


def _resume_button(run: runs.RunDir) -> None:
    if st.button("Resume run", key=f"resume-{run.id}", help="Continues from the last checkpoint."):
        with guard():
            runs.resume_run(run.id, owner=session_id())
        st.rerun()


def _curves(events: list[dict[str, Any]]) -> None:
    frame = curve_frame(events)
    if frame.empty:
        return
    left, right = st.columns(2)
    left.altair_chart(loss_chart(frame), width="stretch")
    if frame["series"].str.startswith("val_").any() and (frame["series"] != "val_loss").any():
        right.altair_chart(metric_chart(frame), width="stretch")
