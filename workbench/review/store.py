"""The label store: one SQLite file in the workspace, shared by every browser session on purpose.

Why SQLite in WAL mode: each analyst's click must be saved at once and survive a crash, readers
(other sessions re-rendering the queue) must never block a writer, and two people labelling at the
same moment must both be kept. Every call opens its own connection (Streamlit reruns in threads and
a connection must not cross threads), writes go through ``BEGIN IMMEDIATE`` so writers queue on the
lock instead of failing half-way, and ``busy_timeout`` makes them wait rather than error.
The schema version lives in ``PRAGMA user_version``; migrations are registered by the version they
upgrade from.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.config import workspace_home
from workbench.errors import RegistryError

STORE_FILE = "labels.sqlite3"
SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 15_000
ITEM_COLUMNS = (
    "item_id",
    "row",
    "text",
    "suggested_label",
    "suggested_score",
    "suggested_by",
    "uncertainty",
    "rule_hits",
    "blocked",
    "gold_label",
    "status",
    "reviewer",
    "reviewed_at",
)
STORED_ITEM_FIELDS = (
    *ITEM_COLUMNS[: ITEM_COLUMNS.index("blocked") + 1],
    "block_reason",
    "rank",
    "text_pair",
    "truncated",
    "probabilities",
    "hit_details",
    "entities",
)

_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    owner TEXT NOT NULL,
    source TEXT NOT NULL,
    suggested_by TEXT NOT NULL,
    labels TEXT NOT NULL,
    text_col TEXT NOT NULL,
    has_pairs INTEGER NOT NULL,
    spec TEXT NOT NULL,
    notes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    queue TEXT NOT NULL REFERENCES queues(name) ON DELETE CASCADE,
    item_id INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    row INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_pair TEXT,
    truncated INTEGER NOT NULL DEFAULT 0,
    suggested_label TEXT NOT NULL,
    suggested_score REAL NOT NULL,
    suggested_by TEXT NOT NULL,
    probabilities TEXT NOT NULL,
    uncertainty REAL NOT NULL,
    rule_hits TEXT NOT NULL DEFAULT '',
    hit_details TEXT NOT NULL DEFAULT '[]',
    gold_label TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    reviewer TEXT,
    reviewed_at TEXT,
    PRIMARY KEY (queue, item_id)
);
CREATE INDEX IF NOT EXISTS items_by_rank ON items(queue, rank);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL REFERENCES queues(name) ON DELETE CASCADE,
    item_id INTEGER NOT NULL,
    label TEXT,
    status TEXT NOT NULL,
    suggested_label TEXT NOT NULL,
    suggested_by TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_item ON decisions(queue, item_id);
"""


# version upgraded from -> function that brings the schema to the next version
def _run_statements(script: str) -> Callable[[sqlite3.Connection], None]:
    """A migration made of plain statements; not ``executescript``, which would commit our transaction."""

    def migrate(conn: sqlite3.Connection) -> None:
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)

    return migrate


# v2: texts the safety rules block get no suggestion; the queue says so and why
_BLOCKED_V2 = """
ALTER TABLE items ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN block_reason TEXT
"""

# v3: entity queues (a NER model's spans per text): the queue's kind, each item's suggested spans and
# the reviewer's working list (JSON, saved after every accept / change / delete / add)
_ENTITIES_V3 = """
ALTER TABLE queues ADD COLUMN kind TEXT NOT NULL DEFAULT 'label';
ALTER TABLE items ADD COLUMN entities TEXT;
ALTER TABLE items ADD COLUMN reviewed_entities TEXT
"""

MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _run_statements(_SCHEMA_V1),
    1: _run_statements(_BLOCKED_V2),
    2: _run_statements(_ENTITIES_V3),
}


def store_path() -> Path:
    """``$WORKBENCH_HOME/review/labels.sqlite3``."""
    folder = workspace_home() / "review"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / STORE_FILE


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextmanager
def connect(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A fresh connection for this call (autocommit; use :func:`write` for transactions)."""
    conn = sqlite3.connect(path or store_path(), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _ensure_schema(conn)
        yield conn
    finally:
        conn.close()


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taking the write lock up front so concurrent writers wait their turn."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _ensure_schema(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise RegistryError(
            f"The label store {store_path()} has schema version {version}, newer than this workbench "
            f"understands ({SCHEMA_VERSION}). Upgrade the workbench."
        )
    with write(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another thread may have upgraded
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")


def queue_names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM queues ORDER BY created, name")]


def require_queue(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM queues WHERE name = ?", (name,)).fetchone()
    if row is None:
        known = ", ".join(map(repr, queue_names(conn))) or "none yet"
        raise RegistryError(f"No review queue named {name!r}. Existing queues: {known}.")
    return row


def queue_meta(row: sqlite3.Row) -> dict[str, Any]:
    """A queue row with its JSON fields decoded."""
    meta = dict(row)
    for key in ("labels", "spec", "notes"):
        meta[key] = json.loads(meta[key])
    meta["has_pairs"] = bool(meta["has_pairs"])
    return meta


def status_counts(conn: sqlite3.Connection, name: str) -> dict[str, int]:
    rows = conn.execute("SELECT status, COUNT(*) FROM items WHERE queue = ? GROUP BY status", (name,))
    return {status: count for status, count in rows}


def insert_queue(conn: sqlite3.Connection, meta: dict[str, Any], items: Sequence[dict[str, Any]]) -> None:
    """Insert a queue and its items (call inside :func:`write`; an old queue must be deleted first)."""
    stored = {**meta, **{k: json.dumps(meta[k], ensure_ascii=False) for k in ("labels", "spec", "notes")}}
    stored["has_pairs"] = int(meta["has_pairs"])
    columns = ", ".join(stored)
    conn.execute(
        f"INSERT INTO queues ({columns}) VALUES ({', '.join('?' * len(stored))})", tuple(stored.values())
    )
    fields = ("queue", *STORED_ITEM_FIELDS)
    conn.executemany(
        f"INSERT INTO items ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
        [(meta["name"], *(item[f] for f in STORED_ITEM_FIELDS)) for item in items],
    )


def delete_queue_rows(conn: sqlite3.Connection, name: str) -> None:
    for table, key in (("decisions", "queue"), ("items", "queue"), ("queues", "name")):
        conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (name,))


def fetch_items(
    conn: sqlite3.Connection,
    name: str,
    *,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """Items of a queue in review order, as a frame with :data:`ITEM_COLUMNS` (plus ``extra``)."""
    columns = [*ITEM_COLUMNS, *extra]
    sql = f"SELECT {', '.join(columns)} FROM items WHERE queue = ?"
    params: list[Any] = [name]
    if statuses:
        sql += f" AND status IN ({', '.join('?' * len(statuses))})"
        params += list(statuses)
    sql += " ORDER BY rank LIMIT ? OFFSET ?"
    params += [-1 if limit is None else limit, offset]
    rows = [tuple(r) for r in conn.execute(sql, params)]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.astype(
        {
            "item_id": "int64",
            "row": "int64",
            "suggested_score": "float64",
            "uncertainty": "float64",
            "blocked": "bool",
        }
    )


def item_states(conn: sqlite3.Connection, name: str, item_ids: Sequence[int]) -> dict[int, sqlite3.Row]:
    """Current suggestion and decision of the given items, keyed by id (unknown ids are absent)."""
    found: dict[int, sqlite3.Row] = {}
    ids = list(dict.fromkeys(item_ids))
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = ids[start : start + 500]
        rows = conn.execute(
            "SELECT item_id, suggested_label, suggested_by, gold_label, status FROM items "
            f"WHERE queue = ? AND item_id IN ({', '.join('?' * len(chunk))})",
            (name, *chunk),
        )
        found.update({r["item_id"]: r for r in rows})
    return found


def set_decision(
    conn: sqlite3.Connection,
    name: str,
    state: sqlite3.Row,
    label: str | None,
    status: str,
    reviewer: str,
    logged: str | None = None,
) -> None:
    """Record one decision on the item and in the audit trail (call inside :func:`write`); ``logged``
    is what the trail says was done when it is more than the label (an entity action, as JSON)."""
    at = now_iso()
    conn.execute(
        "UPDATE items SET gold_label = ?, status = ?, reviewer = ?, reviewed_at = ? WHERE queue = ? AND item_id = ?",
        (label, status, reviewer, at, name, state["item_id"]),
    )
    conn.execute(
        "INSERT INTO decisions (queue, item_id, label, status, suggested_label, suggested_by, reviewer, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            name,
            state["item_id"],
            label if logged is None else logged,
            status,
            state["suggested_label"],
            state["suggested_by"],
            reviewer,
            at,
        ),
    )


def decision_history(conn: sqlite3.Connection, name: str, item_id: int | None = None) -> pd.DataFrame:
    """The audit trail: every decision with who, when, and which model had suggested what."""
    sql = "SELECT item_id, label, status, suggested_label, suggested_by, reviewer, at FROM decisions WHERE queue = ?"
    params: list[Any] = [name]
    if item_id is not None:
        sql += " AND item_id = ?"
        params.append(item_id)
    cursor = conn.execute(sql + " ORDER BY id", params)
    return pd.DataFrame.from_records([tuple(r) for r in cursor], columns=[d[0] for d in cursor.description])
