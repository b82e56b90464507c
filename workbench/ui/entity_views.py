"""Explain page pieces for token-classification models: the text with its predicted entities
highlighted, then SHAP for the entity a person picks (``explain.entities.explain_entity``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from workbench.models.registry import ModelRecord
from workbench.ui.errors import guard
from workbench.ui.highlight import highlight_entities
from workbench.ui.resources import ensure_model_libraries, loaded_model


def predicts_entities(record: ModelRecord) -> bool:
    from workbench.tasks import TASKS

    task = TASKS.get(record.task)
    return bool(task is not None and task.predicts_entities)


def entities_view(record: ModelRecord, text: str) -> list[dict[str, Any]]:
    """The text with each predicted entity marked (type and score in the tooltip)."""
    from workbench.inference.entities import predict_entities

    model = loaded_model(record.id)
    entities = predict_entities(model, [text])[0]
    st.markdown("**Entities found**")
    st.html(highlight_entities(text, entities, [label[2:] for label in record.labels if label != "O"]))
    if not entities:
        st.info("The model finds no entity in this text.")
    return entities


def entity_explanation_view(
    explain: Any, record: ModelRecord, text: str, entities: list[dict], spec: Any
) -> None:
    """SHAP over the whole text for the chosen entity's type score (its first sub-token)."""
    from explain.entities import explain_entity

    choice = st.selectbox(
        "Entity to explain",
        list(range(len(entities))),
        format_func=lambda i: f"{entities[i]['text']} ({entities[i]['label']}, {entities[i]['score']:.2f})",
        key="explain.entity",
    )
    ensure_model_libraries("shap")
    with guard(stop=False), st.spinner("Explaining…"):
        result = explain_entity(loaded_model(record.id), text, int(choice), spec)
        st.html(explain.render_html(result))
        st.caption(" ".join(result.notes))
