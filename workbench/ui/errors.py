"""How failures reach a person in the browser: what to do for a mistake, a short note and the log tail
for a crash, never a raw traceback (the traceback goes to ``$WORKBENCH_HOME/logs/ui.log``)."""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from collections.abc import Iterator

import streamlit as st

from workbench.config import workspace_home
from workbench.errors import WorkbenchError

LOG_TAIL_LINES = 15


def ui_log_path():
    folder = workspace_home() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "ui.log"


def show_problems(exc: WorkbenchError) -> None:
    """One ``st.error`` listing every problem the core reported."""
    if len(exc.problems) == 1:
        st.error(exc.problems[0])
    else:
        st.error("\n".join([f"{len(exc.problems)} problems:", *[f"- {p}" for p in exc.problems]]))


def log_unexpected(exc: BaseException) -> str:
    """Append the traceback to the UI log; return the tail a person can send with a bug report."""
    path = ui_log_path()
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n")
        log.write("".join(traceback.format_exception(exc)))
    logging.getLogger("workbench.ui").debug("unexpected failure logged to %s", path)
    return "\n".join(path.read_text(encoding="utf-8").splitlines()[-LOG_TAIL_LINES:])


def show_unexpected(exc: BaseException, log_tail: str = "") -> None:
    st.error(
        f"Something went wrong: {type(exc).__name__}: {exc}. The details are in the log "
        f"({ui_log_path()}); try again, and report it if it keeps happening."
    )
    if log_tail:
        with st.expander("Log tail"):
            st.code(log_tail, language="text")


def show_run_failure(error: str, problems: list[str] | None, log_tail: str) -> None:
    """A failed training run: its message (every problem), then the worker's log tail."""
    shown = problems if problems and len(problems) > 1 else [error or "The run failed."]
    st.error("\n".join(f"- {p}" for p in shown) if len(shown) > 1 else shown[0])
    if log_tail:
        with st.expander("Log tail", expanded=not problems):
            st.code(log_tail, language="text")


@contextlib.contextmanager
def guard(stop: bool = True) -> Iterator[None]:
    """Run a service call: a ``WorkbenchError`` shows what to do, anything else a short message and
    the log tail; then the page stops (``stop=False`` lets the rest of the page render)."""
    try:
        yield
    except WorkbenchError as exc:
        show_problems(exc)
        if stop:
            st.stop()
    except Exception as exc:
        show_unexpected(exc, log_unexpected(exc))
        if stop:
            st.stop()
