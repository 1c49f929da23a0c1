"""The one store behind call sessions, call results and the SMS outbox.

A SQLite file by default: zero set-up, safe across threads and processes (WAL mode,
``BEGIN IMMEDIATE`` transactions, a busy timeout). Modules own their tables and declare them
with :meth:`Store.ensure_schema`; the store only hands out connections and transactions.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["Store", "StoreError", "StoreUnavailable", "CallSession", "SessionStore"]


class StoreError(RuntimeError):
    """The store's location is unusable or a record is missing."""


class StoreUnavailable(StoreError):
    """The database does not answer (down, unreachable, locked past the wait): try again later."""


def _sqlite_path(url: str) -> str:
    """Turn ``sqlite:///relative.db``, ``sqlite:////abs.db``, ``sqlite://`` or a plain path into a path."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        raise StoreError(
            f"unsupported database URL scheme {parts.scheme!r} in VXMLKIT_DATABASE_URL: "
            "use sqlite:///path/to/file.db (or a plain file path)"
        )
    path = unquote(parts.path)
    if not path or path == "/":
        return ":memory:"
    # sqlite:///rel.db has the path "/rel.db" (relative); sqlite:////abs.db has "//abs.db".
    return path[1:]


class Store:
    """A SQLite database shared by every part of vxmlkit.

    ``url`` is ``sqlite:///path/to/file.db`` or a plain path. Each thread gets its own
    connection; transactions take the write lock up front (``BEGIN IMMEDIATE``) so that two
    processes racing on the same row serialise instead of failing at commit.
    """

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url
        self.path = _sqlite_path(url)
        self.timeout = timeout
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for the database {self.path!r}: {exc}") from exc
        self._local = threading.local()
        self._schemas: set[str] = set()
        self._schema_lock = threading.Lock()
        self._checkpointer_pid: int | None = None
        self._checkpointer_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def connect(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open the database {self.path!r}: {exc}") from exc
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            if self.path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
                # WAL with NORMAL sync is durable against process crashes, which is what a
                # call session needs; it avoids an fsync per request.
                conn.execute("PRAGMA synchronous = NORMAL")
                # Checkpoints (which fsync) run on a background thread, not inside a request.
                conn.execute("PRAGMA wal_autocheckpoint = 0")
                self._start_checkpointer()
            self._local.conn = conn
        return conn

    def _start_checkpointer(self) -> None:
        """One checkpointing thread per process (a forked worker starts its own)."""
        pid = os.getpid()
        if self._checkpointer_pid == pid:
            return
        with self._checkpointer_lock:
            if self._checkpointer_pid == pid:
                return
            self._checkpointer_pid = pid
            thread = threading.Thread(
                target=_checkpoint_loop, args=(weakref.ref(self), self.path), name="vxmlkit-checkpoint", daemon=True
            )
            thread.start()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on normal exit, rolled back on an exception."""
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def write(self, sql: str, parameters: Any = ()) -> int:
        """Run one writing statement in its own transaction; the number of rows it changed.

        One statement is atomic on its own: this saves the BEGIN and COMMIT round trips of
        :meth:`transaction` on the hot path.
        """
        return self.connect().execute(sql, parameters).rowcount

    def ensure_schema(self, key: str, ddl: str) -> None:
        """Run ``ddl`` (``CREATE ... IF NOT EXISTS`` statements) once per process for ``key``."""
        if key in self._schemas:
            return
        with self._schema_lock:
            if key in self._schemas:
                return
            self.connect().executescript(ddl)
            self._schemas.add(key)

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


#: Seconds between the background WAL checkpoints.
CHECKPOINT_INTERVAL = 1.0


def _checkpoint_loop(store: weakref.ref[Store], path: str) -> None:
    """Fold the WAL into the database every second while the store is alive."""
    conn: sqlite3.Connection | None = None
    while True:
        time.sleep(CHECKPOINT_INTERVAL)
        if store() is None:
            break
        try:
            if conn is None:
                conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            continue  # the next round tries again; a busy or vanished file is not fatal
    if conn is not None:
        conn.close()


_SESSIONS_DDL = """
CREATE TABLE IF NOT EXISTS call_sessions (
    id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    message_reference TEXT NOT NULL,
    call_id TEXT NOT NULL,
    call_parameters TEXT NOT NULL,
    state TEXT NOT NULL,
    internal TEXT NOT NULL DEFAULT '{}',
    last_step TEXT,
    status TEXT NOT NULL,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS call_sessions_flow ON call_sessions (flow, created_at);
"""


def _add_column_if_missing(store: Store, table: str, column: str, declaration: str) -> str:
    """DDL that adds ``column`` to a table made by an earlier vxmlkit (empty when present)."""
    columns = {row["name"] for row in store.connect().execute(f"PRAGMA table_info({table})")}
    return "" if column in columns else f"ALTER TABLE {table} ADD COLUMN {column} {declaration};"


@dataclass
class CallSession:
    """One call's server-side record: who was called, with what, and the flow's state."""

    id: str
    flow: str
    phone_number: str
    message_reference: str
    call_id: str
    call_parameters: str
    state: dict[str, Any] = field(default_factory=dict)
    #: vxmlkit's own bookkeeping (such as SMS attempt counters), apart from the flow's state.
    internal: dict[str, Any] = field(default_factory=dict)
    last_step: str | None = None
    status: str = "active"
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


class SessionStore:
    """Call sessions kept in a :class:`Store`, keyed by a random id."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._ready_done = False

    def _ready(self) -> None:
        if self._ready_done:
            return
        self.store.ensure_schema("call_sessions", _SESSIONS_DDL)
        self.store.ensure_schema(
            "call_sessions.internal",
            _add_column_if_missing(self.store, "call_sessions", "internal", "TEXT NOT NULL DEFAULT '{}'"),
        )
        self._ready_done = True

    @staticmethod
    def new(*, flow: str, phone_number: str, message_reference: str, call_id: str, call_parameters: str) -> CallSession:
        """A new session with a random id, not stored yet (see :meth:`insert`)."""
        now = time.time()
        return CallSession(
            id=secrets.token_urlsafe(16),
            flow=flow,
            phone_number=phone_number,
            message_reference=message_reference,
            call_id=call_id,
            call_parameters=call_parameters,
            created_at=now,
            updated_at=now,
        )

    def insert(self, session: CallSession) -> None:
        """Store a new session (its state must be JSON-serialisable)."""
        self._ready()
        state = json.dumps(session.state)
        self.store.write(
            "INSERT INTO call_sessions (id, flow, phone_number, message_reference, call_id,"
            " call_parameters, state, internal, last_step, status, error, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session.id, session.flow, session.phone_number, session.message_reference, session.call_id,
             session.call_parameters, state, json.dumps(session.internal), session.last_step, session.status,
             session.error, session.created_at, session.updated_at),
        )

    def get(self, session_id: str) -> CallSession | None:
        """The session with this id, or None."""
        self._ready()
        row = self.store.connect().execute("SELECT * FROM call_sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        data = dict(row)
        data["state"] = json.loads(data["state"])
        data["internal"] = json.loads(data["internal"])
        return CallSession(**data)

    def save(self, session: CallSession) -> None:
        """Persist the session's state, last step, status and error."""
        self._ready()
        session.updated_at = time.time()
        self.store.write(
            "UPDATE call_sessions SET state = ?, internal = ?, last_step = ?, status = ?, error = ?,"
            " updated_at = ? WHERE id = ?",
            (
                json.dumps(session.state),
                json.dumps(session.internal),
                session.last_step,
                session.status,
                session.error,
                session.updated_at,
                session.id,
            ),
        )

    def find(self, *, flow: str, call_id: str) -> CallSession | None:
        """The newest session of ``flow`` started for Plum's ``call_id``, or None."""
        self._ready()
        row = self.store.connect().execute(
            "SELECT id FROM call_sessions WHERE flow = ? AND call_id = ? ORDER BY created_at DESC LIMIT 1",
            (flow, call_id),
        ).fetchone()
        return None if row is None else self.get(row["id"])

    def recent(self, *, flow: str | None = None, limit: int = 50) -> list[CallSession]:
        """The newest sessions first, optionally of one flow."""
        self._ready()
        sql = "SELECT * FROM call_sessions"
        args: tuple[Any, ...] = ()
        if flow is not None:
            sql += " WHERE flow = ?"
            args = (flow,)
        sql += " ORDER BY created_at DESC LIMIT ?"
        rows = self.store.connect().execute(sql, (*args, limit)).fetchall()
        sessions = []
        for row in rows:
            data = dict(row)
            data["state"] = json.loads(data["state"])
            data["internal"] = json.loads(data["internal"])
            sessions.append(CallSession(**data))
        return sessions
