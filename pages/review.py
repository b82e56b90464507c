"""Review: batch-predict a file into a queue ordered by rule hits and uncertainty (zero-shot before any
model exists), accept or correct labels (saved at once, shared), agreement, export, fine-tune again.
A NER model's queue reviews entities instead: accept / change type / delete / add, per text."""

import streamlit as st

from workbench.ui.entity_review_views import (
    entity_agreement_view,
    entity_export_and_retrain,
    entity_review,
)
from workbench.ui.layout import page_frame, show_flash
from workbench.ui.resources import require_module
from workbench.ui.review_views import (
    agreement_view,
    export_and_retrain,
    new_queue_form,
    pick_queue,
    review_editor,
)
from workbench.ui.session import session_id

# what each queue kind shows: the review itself, the agreement numbers, export and fine-tune again
QUEUE_VIEWS = {
    "label": (review_editor, agreement_view, export_and_retrain),
    "entities": (entity_review, entity_agreement_view, entity_export_and_retrain),
}

page_frame()
st.title("Review")
show_flash()
review = require_module(
    "workbench.review", "create_queue", "record_decisions", "queue_stats", what="Label review tools"
)

queues = review.list_queues()
with st.expander("New review queue", expanded=not queues):
    new_queue_form(review)
if not queues:
    st.stop()

summary = pick_queue(review)
st.caption(f"Suggestions by {summary.suggested_by} · created {summary.created} · shared with everyone")
for note in summary.notes:
    st.caption(note)
st.progress(summary.fraction_reviewed, text=summary.progress_text)
reviewer = st.text_input(
    "Your name (recorded with each decision)", value=f"analyst-{session_id()[:6]}", key="review.reviewer"
)
review_view, agreement, export = QUEUE_VIEWS[summary.kind]
review_view(review, summary, reviewer)

st.subheader("Agreement with the suggestions")
agreement(review.queue_stats(summary.name))
st.subheader("Use the labels")
export(review, summary)
