"""Texts a user flags while trying a model (the serving demo) join that model's review queue.

The queue is ``<model id>-flagged``, created on the first flag with the model as its suggester. The
text is stored with every kind of personal data masked (the safety rules' ``masked_text``), so a
flag never copies a customer's e-mail or card number into the label store.
"""

from __future__ import annotations

import json
from typing import Any

from workbench.review import store
from workbench.review.queue import BLOCKED_SUGGESTER, _hits_summary, uncertainty
from workbench.review.spec import QueueSpec

FLAGGED_SUFFIX = "-flagged"
NOTE = "Texts flagged by people trying the model (serving demo); personal data masked."


def flagged_queue_name(model_id: str) -> str:
    return f"{model_id}{FLAGGED_SUFFIX}"


def add_flagged(model_id: str, labels: list[str], checked: Any) -> tuple[str, int]:
    """Append one checked prediction (``workbench.inference.checked.CheckedPrediction``) to the model's
    flagged queue; returns the queue name and the new item id."""
    name = flagged_queue_name(model_id)
    prediction = checked.prediction
    hits = _hits_summary(checked.safety)
    hits.pop("priority")
    item = {
        "row": 0,
        "text": checked.safety.masked_text,
        "text_pair": None,
        "truncated": 0,
        "suggested_label": "" if prediction is None else checked.masked_output,  # a translation: masked
        "suggested_score": 0.0 if prediction is None else round(float(prediction.score), 6),
        "suggested_by": BLOCKED_SUGGESTER if prediction is None else model_id,
        "probabilities": json.dumps({} if prediction is None else prediction.probabilities),
        "uncertainty": 1.0 if prediction is None else uncertainty(prediction, "margin"),
        "entities": None,
        **hits,
    }
    with store.connect() as conn, store.write(conn):
        if conn.execute("SELECT 1 FROM queues WHERE name = ?", (name,)).fetchone() is None:
            spec = QueueSpec(name=name, model_id=model_id, owner="demo")
            meta = {
                "name": name, "created": store.now_iso(), "owner": "demo", "source": spec.source,
                "suggested_by": model_id, "labels": list(labels), "text_col": "text", "has_pairs": False,
                "spec": spec.to_dict(), "notes": [NOTE],
            }  # fmt: skip
            store.insert_queue(conn, meta, [])
        last = conn.execute("SELECT COALESCE(MAX(item_id), 0), COUNT(*) FROM items WHERE queue = ?", (name,))
        item_id, count = last.fetchone()
        item.update(item_id=item_id + 1, rank=count, row=item_id + 1)
        fields = ("queue", *store.STORED_ITEM_FIELDS)
        conn.execute(
            f"INSERT INTO items ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
            (name, *(item[f] for f in store.STORED_ITEM_FIELDS)),
        )
    return name, item["item_id"]
