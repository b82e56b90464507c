"""The live view of a variant build job (``workbench.variants.jobs``): a fragment that re-reads the job's
run folder every second while a worker process builds, with cancel, and the result once done. The
page only starts the job and reads files, so leaving it or reloading loses nothing."""

from __future__ import annotations

import streamlit as st

from workbench.errors import WorkbenchError
from workbench.training import runs
from workbench.ui.errors import show_run_failure
from workbench.ui.session import session_id

POLL_SECONDS = 1.0
JOB_KEY = "compare.job"  # the build this session started last


def watched_build(model_id: str) -> runs.RunDir | None:
    """This session's build of ``model_id`` to show: one still queued or running, else the one it
    started last (its outcome stays on the page until the next build)."""
    from workbench.variants import jobs

    for job in jobs.build_jobs(model_id, owner=session_id()):
        if job.status().get("state") in runs.ACTIVE_STATES or job.id == st.session_state.get(JOB_KEY):
            return job
    return None


def show_build(model_id: str) -> None:
    """The build of ``model_id`` this session watches (polled while active); another session's build
    of the same model is only mentioned, as it keeps the build button disabled."""
    from workbench.variants import jobs

    job = watched_build(model_id)
    other = jobs.active_build(model_id)
    if other is not None and other.owner != session_id():
        st.info(
            "Variants of this model are being built in another session; you can build again when "
            "that job ends."
        )
    if job is None:
        return
    active = job.status().get("state") in runs.ACTIVE_STATES
    st.fragment(run_every=POLL_SECONDS if active else None)(_build_body)(job.id, active)


def _build_body(job_id: str, was_active: bool) -> None:
    from workbench.variants import jobs

    run = runs.get_run(job_id)
    status = run.status()
    state = status.get("state", "unknown")
    if was_active and state not in runs.ACTIVE_STATES:
        st.rerun()  # the build just ended: redraw the page once (variant list, button), stop polling
    built = status.get("built") or []
    if state == "queued":
        ahead = runs.queue_position(run)
        if ahead > 0:
            st.info(
                f"Build queued: {ahead} job(s) ahead of it. One job runs at a time on this CPU; the "
                "build starts by itself when the CPU is free."
            )
        else:
            st.info("Build starting: loading the model…")
        _cancel_button(run)
    elif state == "running":
        st.progress(jobs.build_fraction(status), text=jobs.build_progress_text(status))
        _cancel_button(run)
    elif state == "completed":
        st.success(f"Built {', '.join(built)}. Measure them below to compare.")
    elif state == "failed":
        show_run_failure(status.get("error") or "", status.get("problems"), run.log_tail())
    elif state == "cancelled":
        kept = f" Kept the variants finished before: {', '.join(built)}." if built else ""
        st.info(f"Build cancelled.{kept}")


def _cancel_button(run: runs.RunDir) -> None:
    if st.button(
        "Cancel build",
        key=f"compare.cancel-{run.id}",
        help="Stops at the next training step or between variants; variants already built are kept.",
    ):
        try:
            runs.cancel_run(run.id, owner=session_id())
        except WorkbenchError as exc:
            st.warning(str(exc))
        else:
            st.toast("Cancel requested: the build stops at the next step.")
