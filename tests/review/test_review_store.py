"""The shared label store: decisions are saved at once, concurrent analysts are all kept, bad input
is refused with a message that says what to do."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pandas as pd
import pytest

from workbench.errors import DataError, RegistryError, SpecError
from workbench.review import (
    create_queue,
    delete_queue,
    get_history,
    get_item,
    get_queue,
    get_queue_items,
    list_queues,
    record_decision,
    record_decisions,
    skip_item,
    store,
)

LABELS = ["pos", "neg"]


def _queue(tiny_bert_dir, name: str = "q", n: int = 6, **kwargs) -> None:
    frame = pd.DataFrame({"text": [f"the movie was great number {i}" for i in range(n)]})
    create_queue(name, frame, text_col="text", labels=LABELS, encoder=str(tiny_bert_dir), **kwargs)


def _suggested(name: str, item_id: int) -> str:
    items = get_queue_items(name)
    return items.loc[items["item_id"] == item_id, "suggested_label"].item()


def _other(label: str) -> str:
    return "neg" if label == "pos" else "pos"


def test_store_uses_wal_busy_timeout_and_schema_version(tiny_bert_dir):
    _queue(tiny_bert_dir)
    raw = sqlite3.connect(store.store_path())
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
    raw.close()
    with store.connect() as conn:
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == store.BUSY_TIMEOUT_MS


def test_newer_schema_is_refused():
    with store.connect():
        pass
    raw = sqlite3.connect(store.store_path())
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(
        RegistryError, match=r"has schema version 99, newer than this workbench understands \(3\)"
    ):
        list_queues()


def test_items_columns_order_and_summary(tiny_bert_dir):
    _queue(tiny_bert_dir, owner="ana")
    items = get_queue_items("q")
    assert list(items.columns) == [*store.ITEM_COLUMNS, "block_reason"]  # why a blocked text has no label
    assert sorted(items["item_id"]) == [1, 2, 3, 4, 5, 6]
    assert sorted(items["row"]) == [2, 3, 4, 5, 6, 7]  # spreadsheet rows: header is row 1
    assert set(items["status"]) == {"pending"}
    assert items["uncertainty"].tolist() == sorted(items["uncertainty"], reverse=True)
    summary = get_queue("q")
    assert (summary.total, summary.reviewed, summary.owner, summary.source) == (6, 0, "ana", "zero-shot")
    assert summary.suggested_by == f"zero-shot:{tiny_bert_dir.name}"
    assert [q.name for q in list_queues()] == ["q"]


def test_accept_and_correct_are_saved_with_who_and_which_model(tiny_bert_dir):
    _queue(tiny_bert_dir)
    first = _suggested("q", 1)
    record_decision("q", 1, first, reviewer="ana")
    record_decision("q", 2, _other(_suggested("q", 2)), reviewer="bob")
    items = get_queue_items("q").set_index("item_id")
    assert items.loc[1, ["gold_label", "status", "reviewer"]].tolist() == [first, "accepted", "ana"]
    assert items.loc[2, ["status", "reviewer"]].tolist() == ["corrected", "bob"]
    assert items.loc[1, "reviewed_at"].endswith("+00:00")
    history = get_history("q")
    assert history[["item_id", "status", "reviewer"]].values.tolist() == [
        [1, "accepted", "ana"],
        [2, "corrected", "bob"],
    ]
    assert set(history["suggested_by"]) == {f"zero-shot:{tiny_bert_dir.name}"}
    assert get_queue("q").progress_text == "2 of 6 reviewed"
    assert get_queue_items("q", status="reviewed")["item_id"].tolist() == [
        i for i in items.index if i in (1, 2)
    ]


def test_recording_the_same_label_twice_changes_nothing(tiny_bert_dir):
    _queue(tiny_bert_dir)
    record_decision("q", 3, "neg", reviewer="ana")
    before = get_item("q", 3)
    record_decision("q", 3, "neg", reviewer="ana")
    record_decision("q", np.int64(3), " neg ", reviewer="bob")  # a data editor's numpy id, stray spaces
    after = get_item("q", 3)
    assert len(after["history"]) == 1
    assert (after["reviewer"], after["reviewed_at"]) == (before["reviewer"], before["reviewed_at"])
    record_decision("q", 3, "pos", reviewer="bob")  # a real change is kept, with its own history row
    assert [h["label"] for h in get_item("q", 3)["history"]] == ["neg", "pos"]


def test_unknown_label_item_and_reviewer_are_refused(tiny_bert_dir):
    _queue(tiny_bert_dir)
    with pytest.raises(
        DataError,
        match=r"^Nothing was saved: item 1: label 'neutral' is not one of the queue's labels \(pos, neg\); pick one\.$",
    ):
        record_decision("q", 1, "neutral", reviewer="ana")
    with pytest.raises(DataError, match=r"^Nothing was saved: queue 'q' has no item 99; reload the queue\.$"):
        record_decision("q", 99, "pos", reviewer="ana")
    with pytest.raises(
        SpecError, match=r"^The reviewer name is empty: enter your name so each decision shows who made it\.$"
    ):
        record_decision("q", 1, "pos", reviewer="  ")
    with pytest.raises(RegistryError, match=r"^No review queue named 'nope'\. Existing queues: 'q'\.$"):
        record_decision("nope", 1, "pos", reviewer="ana")
    with pytest.raises(
        SpecError,
        match=r"^Unknown status filter 'done'; use one of pending, accepted, corrected, skipped, reviewed\.$",
    ):
        get_queue_items("q", status="done")


def test_bulk_decisions_are_all_or_nothing_and_report_every_problem(tiny_bert_dir):
    _queue(tiny_bert_dir)
    with pytest.raises(DataError) as caught:
        record_decisions("q", [(1, "pos"), (2, ""), (77, "neg"), (1, "neg")], reviewer="ana")
    assert caught.value.problems == [
        "item 2: an empty label is not one of the queue's labels (pos, neg); pick one",
        "queue 'q' has no item 77; reload the queue",
        "item 1 was given two labels ('pos' and 'neg'); keep one",
    ]
    assert str(caught.value).endswith("(and 2 more problems).")
    assert get_queue("q").reviewed == 0
    assert record_decisions("q", [(1, "pos"), (2, "neg"), (3, "neg")], reviewer="ana") == 3
    assert record_decisions("q", [(1, "pos"), (2, "pos")], reviewer="ana") == 1
    assert get_queue("q").reviewed == 3


def test_skip_clears_a_label_and_is_not_counted_as_reviewed(tiny_bert_dir):
    _queue(tiny_bert_dir)
    record_decision("q", 4, "pos", reviewer="ana")
    skip_item("q", 4, reviewer="ana")
    skip_item("q", 4, reviewer="ana")
    summary = get_queue("q")
    assert (summary.reviewed, summary.skipped, summary.pending) == (0, 1, 5)
    item = get_item("q", 4)
    assert (item["status"], item["gold_label"], len(item["history"])) == ("skipped", None, 2)
    assert (
        get_queue_items("q", status="pending", limit=2, offset=1)["item_id"].tolist()
        == (get_queue_items("q", status="pending")["item_id"].tolist()[1:3])
    )


def test_two_threads_recording_at_once_both_persist(tiny_bert_dir):
    _queue(tiny_bert_dir, n=40)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def label(ids: range, reviewer: str) -> None:
        try:
            start.wait()
            for item_id in ids:
                record_decision("q", item_id, "pos", reviewer=reviewer)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [
        threading.Thread(target=label, args=(range(1, 21), "ana")),
        threading.Thread(target=label, args=(range(21, 41), "bob")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    items = get_queue_items("q")
    assert (items["gold_label"] == "pos").all()
    assert items.groupby("reviewer").size().to_dict() == {"ana": 20, "bob": 20}
    assert len(get_history("q")) == 40


def test_duplicate_name_needs_overwrite_which_drops_old_decisions(tiny_bert_dir):
    _queue(tiny_bert_dir, owner="ana")
    record_decision("q", 1, "pos", reviewer="ana")
    with pytest.raises(
        RegistryError,
        match=r"^A review queue named 'q' already exists \(1 of 6 reviewed, created .+ by ana\)\. Pick another name, or overwrite it \(this deletes its decisions\)\.$",
    ):
        _queue(tiny_bert_dir, n=3)
    _queue(tiny_bert_dir, n=3, overwrite=True)
    assert (get_queue("q").total, get_queue("q").reviewed, len(get_history("q"))) == (3, 0, 0)


def test_delete_queue(tiny_bert_dir):
    _queue(tiny_bert_dir, name="a")
    _queue(tiny_bert_dir, name="b")
    record_decision("a", 1, "pos", reviewer="ana")
    delete_queue("a")
    assert [q.name for q in list_queues()] == ["b"]
    with pytest.raises(RegistryError, match=r"^No review queue named 'a'\. Existing queues: 'b'\.$"):
        get_queue_items("a")
    with store.connect() as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0
