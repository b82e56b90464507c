"""Home: what the workbench does, the flow, recent models and the one-click sample run."""

import streamlit as st

from workbench.ui.layout import page_frame
from workbench.ui.resources import models
from workbench.ui.sample import sample_available, start_sample_flow

FLOW = [
    (
        "pages/data.py",
        "1. Data",
        "Upload a CSV/TSV/XLSX/JSONL file, map its columns, read the validation report.",
    ),
    ("pages/train.py", "2. Train", "Fine-tune a small transformer on it and watch loss and accuracy live."),
    ("pages/compare.py", "3. Compare", "Build smaller, faster variants and pick the one to deploy."),
    ("pages/explain.py", "4. Explain", "See why a text got its label (SHAP) and which safety rules it hits."),
    ("pages/review.py", "5. Review", "Batch-predict new texts, correct labels, export, fine-tune again."),
]

page_frame()
st.title("LLM Onboarding Workbench")
st.write(
    "Take a pretrained transformer from *downloaded* to *trusted*: fine-tune it on your labelled "
    "texts, compress it, explain its predictions, check them against safety rules, and review labels."
)

left, right = st.columns([3, 2])
with left:
    st.subheader("The flow")
    for page, label, text in FLOW:
        st.page_link(page, label=label)
        st.caption(text)
with right:
    st.subheader("First time here?")
    st.write(
        "Use the sample customer-support messages and the offline default model "
        "(all-MiniLM-L6-v2). A short fine-tuning run takes about a minute on a CPU."
    )
    if st.button(
        "Try it with sample data", type="primary", disabled=not sample_available(), key="home.sample"
    ):
        start_sample_flow()
        st.switch_page("pages/train.py")
    if not sample_available():
        st.caption("The sample files are missing from assets/sample/.")

st.subheader("Recent models")
recent = models()[:5]
if recent:
    from workbench.ui.views import models_table  # pandas and charts: only when there is a table

    st.dataframe(models_table(recent), hide_index=True)
    st.page_link("pages/models.py", label="All models, lineage and model cards →")
else:
    st.info("No models yet. Fine-tune one on the Train page, or start with the sample data above.")
