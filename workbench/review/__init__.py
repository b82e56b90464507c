"""Label review: suggest labels for a table, let analysts accept or correct them, learn from that.

The Review page and ``workbench review`` call these functions; queues and every decision (who, when,
what was suggested and by which model) live in one SQLite file in the workspace, shared by all
sessions on purpose::

    from workbench.review import create_queue, get_queue_items, record_decision, queue_stats
    create_queue("tickets", frame, text_col="text", labels=["billing", "login", "other"])
    record_decision("tickets", item_id=3, label="billing", reviewer="ana")

A token-classification (NER) model gives an *entity* queue instead: each text's predicted spans are
accepted, retyped, deleted or added one at a time (``accept_entity``, ``change_entity_type``,
``delete_entity``, ``add_entity``/``add_entity_words``) and exported as JSON-lines spans or CoNLL
(``export_entities``).

Imports are lazy so ``import workbench.review`` loads neither torch nor scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "create_queue": "workbench.review.service",
    "list_queues": "workbench.review.service",
    "get_queue": "workbench.review.service",
    "get_queue_items": "workbench.review.service",
    "get_item": "workbench.review.service",
    "get_history": "workbench.review.service",
    "record_decision": "workbench.review.service",
    "record_decisions": "workbench.review.service",
    "skip_item": "workbench.review.service",
    "delete_queue": "workbench.review.service",
    "queue_stats": "workbench.review.stats",
    "compute_stats": "workbench.review.stats",
    "export_corrections": "workbench.review.export",
    "corrections_frame": "workbench.review.export",
    "to_training_frame": "workbench.review.export",
    "write_training_data": "workbench.review.export",
    "training_spec": "workbench.review.export",
    "get_entities": "workbench.review.entities",
    "apply_entity_action": "workbench.review.entities",
    "accept_entity": "workbench.review.entities",
    "change_entity_type": "workbench.review.entities",
    "delete_entity": "workbench.review.entities",
    "add_entity": "workbench.review.entities",
    "add_entity_words": "workbench.review.entities",
    "confirm_entities": "workbench.review.entities",
    "text_words": "workbench.review.entities",
    "EntityAction": "workbench.review.entities",
    "reviewed_entities": "workbench.review.entity_export",
    "export_entities": "workbench.review.entity_export",
    "entities_jsonl": "workbench.review.entity_export",
    "entities_conll": "workbench.review.entity_export",
    "QueueSpec": "workbench.review.spec",
    "QueueSummary": "workbench.review.spec",
    "MAX_TEXT_CHARS": "workbench.review.spec",
    "MAX_QUEUE_ROWS": "workbench.review.spec",
    "STATUS_FILTERS": "workbench.review.spec",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'workbench.review' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
