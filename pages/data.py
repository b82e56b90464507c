"""Data: upload a file (size-capped), preview it, map its columns, read the full validation report,
choose the split, and make it the session's dataset."""

import streamlit as st

from workbench.data import ColumnMap
from workbench.training.spec import TrainSpec
from workbench.ui.data_views import column_mapping, data_report, pick_data_file, token_file_preview
from workbench.ui.errors import guard
from workbench.ui.forms import spec_form_fields
from workbench.ui.layout import flash, page_frame, show_flash
from workbench.ui.resources import read_table_cached
from workbench.ui.session import DatasetChoice, dataset, set_dataset, upload_cap_bytes

SPLIT_FIELDS = ["val_fraction", "test_fraction", "seed"]

page_frame()
st.title("Data")
show_flash()
current = dataset()
path, eval_path, name = pick_data_file(current)
if path is None:
    st.info("Upload a labelled file, or use the sample data.")
    st.stop()

same_file = current is not None and current.path == path
if token_file_preview(path, upload_cap_bytes()):  # NER files: no columns to map
    columns, task = ColumnMap(), "token-classification"
else:
    with guard():
        frame = read_table_cached(path, upload_cap_bytes())
    st.subheader("Preview")
    st.caption(f"{name}: {len(frame):,} rows, {len(frame.columns)} columns (first 20 rows shown).")
    st.dataframe(frame.head(20), hide_index=True)
    st.subheader("Columns")
    with guard():  # the same column twice is a SpecError: its message, and the boxes stay to fix it
        columns, task = column_mapping(list(frame.columns), current, same_file)
report = data_report(path, columns, task, eval_path, upload_cap_bytes())

st.subheader("Split")
if eval_path:
    st.caption("A validation file is given, so no validation split is carved from the training data.")
previous = {f: getattr(current, f) for f in SPLIT_FIELDS} if same_file else None
unused = {"val_fraction": "Not used: the validation file is the validation set."} if eval_path else {}
split = spec_form_fields(
    TrainSpec, SPLIT_FIELDS, previous, key_prefix="data.split", columns=3, disabled=unused
)

if st.button("Use this dataset", type="primary", disabled=not report.ok, key="data.use"):
    choice = DatasetChoice(
        path=path,
        name=name,
        columns=columns,
        task=task,
        eval_path=eval_path,
        rows=report.rows_usable,
        labels=tuple(report.labels),
        **split,
    )
    set_dataset(choice)
    flash(f"Dataset set: {name}, {report.rows_usable:,} usable rows. Next: fine-tune a model on Train.")
    st.rerun()
if same_file:
    st.page_link("pages/train.py", label="Next: train a model on this dataset →")
