"""Data page pieces: choosing a file (upload or sample) and showing the full validation report."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from workbench.data import ColumnMap, DataReport, check_data
from workbench.ui.charts import label_counts_chart
from workbench.ui.errors import guard
from workbench.ui.sample import SAMPLE_TEST, SAMPLE_TRAIN, sample_available
from workbench.ui.session import DatasetChoice, save_upload, upload_cap_text, upload_dir

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "jsonl", "ndjson", "json", "conll", "iob", "bio", "bioes"]
PREVIEW_SENTENCES = 20
SOURCES = ("Upload a file", "Sample: customer-support messages")


def saved_upload(uploaded: object | None) -> str | None:
    """Write an upload into this session's folder once (not on every rerun)."""
    if uploaded is None:
        return None
    saved: dict[str, str] = st.session_state.setdefault("data.saved_uploads", {})
    file_id = getattr(uploaded, "file_id", None) or uploaded.name
    if file_id not in saved or not Path(saved[file_id]).is_file():
        with guard():
            saved[file_id] = str(save_upload(uploaded.name, uploaded.getvalue()))
    return saved[file_id]


def _is_session_upload(path: str) -> bool:
    return Path(path).parent == upload_dir()


def pick_data_file(current: DatasetChoice | None) -> tuple[str | None, str | None, str]:
    """``(training file, validation file or None, display name)`` chosen by upload or sample."""
    sources = SOURCES if sample_available() else SOURCES[:1]
    on_sample = current is not None and current.path == str(SAMPLE_TRAIN)
    source = st.radio(
        "Source",
        sources,
        index=1 if on_sample and len(sources) > 1 else 0,
        horizontal=True,
        key="data.source",
    )
    if source == SOURCES[1]:
        use_test = st.checkbox(
            "Validate on the held-out sample test file (support_test.csv)", value=True, key="data.sample_eval"
        )
        return str(SAMPLE_TRAIN), str(SAMPLE_TEST) if use_test else None, "sample support messages"
    st.caption(f"CSV, TSV, XLSX or JSON lines; up to **{upload_cap_text()}** per file.")
    left, right = st.columns(2)
    train = saved_upload(left.file_uploader("Training file", type=UPLOAD_TYPES, key="data.upload"))
    evaluation = saved_upload(
        right.file_uploader("Validation file (optional)", type=UPLOAD_TYPES, key="data.eval_upload")
    )
    if train is None and current is not None and _is_session_upload(current.path):
        st.caption(f"Using your earlier upload {Path(current.path).name}; upload a file to replace it.")
        return current.path, evaluation or current.eval_path, current.name
    return train, evaluation, Path(train).name if train else ""


@st.cache_data(show_spinner="Checking the data…", max_entries=32)
def _checked(
    path: str, mtime: float, columns: ColumnMap, task: str, eval_path: str | None, max_bytes: int
) -> DataReport:
    return check_data(path, columns, task, eval_path=eval_path, max_bytes=max_bytes)


def data_report(
    path: str, columns: ColumnMap, task: str, eval_path: str | None, max_bytes: int
) -> DataReport:
    """Check the file with these columns and show every error and warning at once."""
    report = _checked(path, Path(path).stat().st_mtime, columns, task, eval_path, max_bytes)
    st.subheader("Validation report")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows read", f"{report.rows_read:,}")
    c2.metric("Usable rows", f"{report.rows_usable:,}")
    c3.metric("Task", report.task or "?")
    generating = _generates_text(report.task)
    c4.metric(
        "Pairs" if generating else "Labels", f"{report.rows_usable:,}" if generating else len(report.labels)
    )
    if generating:
        st.caption(
            "Parallel-data check: empty or whitespace-only sides, exact duplicate pairs, sources copied "
            "as targets, length-ratio outliers and (with a tokenizer) over-long pairs, by row number."
        )
    if report.errors:
        st.error(
            "\n".join(
                [
                    f"**{len(report.errors)} problem(s) to fix before training:**",
                    *[f"- {e}" for e in report.errors],
                ]
            )
        )
    for warning in report.warnings:
        st.warning(warning)
    if report.ok and not report.warnings:
        st.success("No problems found.")
    if report.labels:
        st.altair_chart(label_counts_chart(report.labels), width="stretch")
    return report


@st.cache_data(show_spinner="Reading the token file…", max_entries=16)
def _token_preview(path: str, mtime: float, fmt: str, max_bytes: int) -> tuple[list[str], int]:
    from workbench.data.tagging import entities_of
    from workbench.data.token_check import check_token_data
    from workbench.ui.highlight import highlight_entities

    _, frame, _ = check_token_data(path, ColumnMap(), fmt, max_bytes=max_bytes)
    rows = frame.head(PREVIEW_SENTENCES).to_dict("records")
    types = sorted({e.label for row in rows for e in entities_of(row.get("label") or ())})
    html = []
    for row in rows:
        offsets = row["offsets"]
        spans = [
            {"start": offsets[e.start][0], "end": offsets[e.end - 1][1], "label": e.label}
            for e in entities_of(row.get("label") or ())
        ]
        html.append(highlight_entities(row["text"], spans, types))
    return html, len(frame)


def token_file_preview(path: str, max_bytes: int) -> bool:
    """For a token-level file (CoNLL, tokens+tags, text+spans): show its first sentences with their
    entities highlighted and return True; for any other file do nothing and return False."""
    from workbench.data.token_check import token_format

    fmt = token_format(path, "auto")
    if fmt is None:
        return False
    with guard():
        html, total = _token_preview(path, Path(path).stat().st_mtime, fmt, max_bytes)
    st.subheader("Preview")
    st.caption(
        f"Token-level file ({fmt}): {total:,} sentences, the first {min(total, PREVIEW_SENTENCES)} shown with "
        "their entities highlighted. Task: token-classification (named entities)."
    )
    st.html("".join(html))
    return True


def _default_index(options: list[str], wanted: str | None, fallback: int) -> int:
    return options.index(wanted) if wanted in options else fallback


def _generates_text(task: str | None) -> bool:
    from workbench.tasks import TASKS

    return task in TASKS and TASKS[task].generates_text


def column_mapping(
    columns: list[str], current: DatasetChoice | None, same_file: bool
) -> tuple[ColumnMap, str]:
    """Selectboxes for the text, label and second-text columns and the task. A table whose column
    names say it holds translation pairs (source/target, en/de...) starts as seq2seq, and the first
    two boxes are then called source and target."""
    from workbench.data.parallel import SEQ2SEQ, detect_pair
    from workbench.training.spec import TrainSpec

    task_info = TrainSpec.field_info()["task"]
    pair = None if same_file and current else detect_pair(columns)
    text_default = current.columns.text if same_file and current else pair[0] if pair else "text"
    label_default = current.columns.label if same_file and current else pair[1] if pair else "label"
    task_default = current.task if same_file and current else SEQ2SEQ if pair else None
    generating = _generates_text(st.session_state.get("data.task", task_default))
    c1, c2, c3, c4 = st.columns(4)
    text = c1.selectbox(
        "Source column" if generating else "Text column",
        columns,
        index=_default_index(columns, text_default, 0),
        key="data.text_col",
    )
    label = c2.selectbox(
        "Target column" if generating else "Label column",
        columns,
        index=_default_index(columns, label_default, len(columns) - 1),
        key="data.label_col",
    )
    pair_options = ["(none)", *columns]
    pair_default = current.columns.text_pair if same_file and current else None
    second = c3.selectbox(
        "Second text column",
        pair_options,
        index=_default_index(pair_options, pair_default, 0),
        key="data.pair_col",
        help="Only for sentence-pair tasks (e.g. question + answer).",
        disabled=generating,
    )
    tasks = list(task_info["choices"])
    task = c4.selectbox(
        "Task",
        tasks,
        index=_default_index(tasks, task_default, 0),
        key="data.task",
        help=task_info["help"],
    )
    text_pair = None if second == "(none)" or generating else second
    return ColumnMap(text=text, label=label, text_pair=text_pair), task
