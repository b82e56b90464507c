"""The request log: one SQLite row per served text, for the monitoring page of the next serving issue.

It keeps time, key name, deployment, version, route, status, latency, label, confidence and rule
hits, and the text only in masked form (every kind of personal data the rules know replaced by its
placeholder) plus a SHA-256 of the raw text (to count repeats without keeping them). Never the raw
text. Rows are written by one background thread, at most 20 transactions a second (WAL mode,
``synchronous=NORMAL``), so a request never waits on the disk; ``close`` writes what is left.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sqlite3
import threading
import time
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

from workbench.config import workspace_home

LOG_FILE = "requests.sqlite3"
GATHER_SECONDS = 0.05
_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    request_id TEXT NOT NULL,
    key_name TEXT,
    deployment TEXT NOT NULL,
    version TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    label TEXT,
    confidence REAL,
    rule_hits TEXT NOT NULL DEFAULT '',
    blocked INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    text_masked TEXT NOT NULL,
    text_sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_deployment ON requests(deployment, at);
"""
_COLUMNS = (
    "at", "request_id", "key_name", "deployment", "version", "route", "status", "latency_ms", "label",
    "confidence", "rule_hits", "blocked", "cached", "text_masked", "text_sha256",
)  # fmt: skip


@dataclass(frozen=True)
class LogRow:
    at: float
    request_id: str
    key_name: str | None
    deployment: str
    version: str
    route: str
    status: int
    latency_ms: float
    label: str | None
    confidence: float | None
    rule_hits: str
    blocked: bool
    cached: bool
    text_masked: str
    text_sha256: str


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def label_text(label: Any) -> str | None:
    if label is None:
        return None
    return json.dumps(label) if isinstance(label, list) else str(label)


def log_path(home: Path | None = None) -> Path:
    return (Path(home) if home else workspace_home()) / "serve" / LOG_FILE


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(_SCHEMA)
    return conn


class RequestLog:
    """Append-only log written by a background thread; ``flush`` waits until rows are on disk."""

    def __init__(self, path: Path | None = None, max_pending: int = 50_000) -> None:
        self.path = path or log_path()
        self._queue: queue.Queue[list[LogRow] | threading.Event | None] = queue.Queue(max_pending)
        connect(self.path).close()  # create the file and schema now: a broken path fails at start
        self._thread = threading.Thread(target=self._run, name="request-log", daemon=True)
        self._thread.start()

    def write(self, rows: list[LogRow]) -> None:
        if rows:
            self._queue.put(rows)

    def flush(self, timeout: float = 10.0) -> None:
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(30)

    def _run(self) -> None:
        conn = connect(self.path)
        sql = f"INSERT INTO requests ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
        try:
            while True:
                item = self._queue.get()
                if item is not None and not isinstance(item, threading.Event):
                    time.sleep(GATHER_SECONDS)  # one transaction for the rows of many requests
                rows: list[LogRow] = []
                events: list[threading.Event] = []
                stop = False
                while True:
                    if item is None:
                        stop = True
                    elif isinstance(item, threading.Event):
                        events.append(item)
                    else:
                        rows.extend(item)
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if rows:
                    conn.execute("BEGIN")
                    conn.executemany(sql, [astuple(r) for r in rows])
                    conn.execute("COMMIT")
                for event in events:
                    event.set()
                if stop:
                    return
        finally:
            conn.close()


def read_log(path: Path | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The newest rows first, as dicts (what the monitoring page reads)."""
    target = path or log_path()
    if not target.is_file():
        return []
    conn = connect(target)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM requests ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    finally:
        conn.close()
    return [dict(r) for r in rows]
