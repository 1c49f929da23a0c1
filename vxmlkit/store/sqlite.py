"""The SQLite backend: one file, zero set-up, safe across threads and processes.

WAL mode with ``synchronous = NORMAL`` (durable against a crashed process; a commit marked
durable is synced). Writers take the lock up front (``BEGIN IMMEDIATE``) so that two processes
racing on a row serialise instead of failing at commit. A writer that finds the lock taken
retries after a short sleep that starts at tens of microseconds, instead of SQLite's own busy
handler whose first wait is a whole millisecond. A background thread per process folds the WAL
into the database every second, and truncates it when it grows past ``wal_limit`` bytes
(a passive checkpoint cannot finish while readers keep arriving, so the WAL would grow forever).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from .base import Params, Row, Store, StoreError, StoreUnavailable, Transaction

__all__ = ["SQLiteStore", "sqlite_path", "DEFAULT_WAL_LIMIT", "CHECKPOINT_INTERVAL"]

log = logging.getLogger("vxmlkit")

#: The WAL size (bytes) past which the checkpointer truncates it.
DEFAULT_WAL_LIMIT = 64 * 1024 * 1024
#: Seconds between the background WAL checkpoints.
CHECKPOINT_INTERVAL = 1.0
#: The first and the longest sleep while another connection holds the write lock.
_FIRST_WAIT, _LONGEST_WAIT = 20e-6, 2e-3

# Result codes that mean the file does not answer now (locked, unreadable, full), as opposed
# to a wrong statement: a request meeting one answers "try again later".
_UNAVAILABLE = {
    5,  # SQLITE_BUSY
    6,  # SQLITE_LOCKED
    7,  # SQLITE_NOMEM
    8,  # SQLITE_READONLY
    10,  # SQLITE_IOERR
    11,  # SQLITE_CORRUPT
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
    26,  # SQLITE_NOTADB
}
_BUSY = {5, 6}

T = TypeVar("T")


def sqlite_path(url: str) -> str:
    """Turn ``sqlite:///relative.db``, ``sqlite:////abs.db``, ``sqlite://`` or a plain path into a path."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        raise StoreError(f"not a SQLite URL: {url!r}")
    path = unquote(parts.path)
    if not path or path == "/":
        return ":memory:"
    # sqlite:///rel.db has the path "/rel.db" (relative); sqlite:////abs.db has "//abs.db".
    return path[1:]


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


class SQLiteStore(Store):
    """A SQLite database file; each thread of each process gets its own connection."""

    backend = "sqlite"
    auto_id = "INTEGER PRIMARY KEY AUTOINCREMENT"
    auto_upgrade = True

    def __init__(self, url: str, *, timeout: float = 5.0, wal_limit: int = DEFAULT_WAL_LIMIT) -> None:
        super().__init__(url, timeout=timeout)
        self.path = sqlite_path(url)
        self.wal_limit = int(wal_limit)
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for the database {self.path!r}: {exc}") from exc
        self._local = threading.local()
        self._checkpointer_pid: int | None = None
        self._checkpointer_lock = threading.Lock()

    # -- connections ----------------------------------------------------------------------

    def connect(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use, and again in a forked child)."""
        pid = os.getpid()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == pid:
            return conn
        # A connection inherited across fork() must not be used (nor closed) by the child.
        try:
            conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            # No busy handler: _retry waits, with shorter sleeps than SQLite's.
            conn.execute("PRAGMA busy_timeout = 0")
            if self.path != ":memory:":
                self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchall())  # type: ignore[union-attr]
                # WAL with NORMAL sync is durable against process crashes, which is what a
                # call session needs; it avoids an fsync per request.
                conn.execute("PRAGMA synchronous = NORMAL")
                # Checkpoints (which fsync) run on a background thread, not inside a request;
                # a WAL reset leaves the file no larger than the bound.
                conn.execute("PRAGMA wal_autocheckpoint = 0")
                conn.execute(f"PRAGMA journal_size_limit = {self.wal_limit}")
                self._start_checkpointer()
        except sqlite3.Error as exc:
            raise self._unavailable(exc) if _code(exc) in _UNAVAILABLE else StoreError(
                f"cannot open the database {self.path!r}: {exc}"
            ) from exc
        self._local.conn, self._local.pid = conn, pid
        if self.path == ":memory:":
            self._ready = False  # each in-memory connection is a database of its own: set it up
        return conn

    def _unavailable(self, exc: sqlite3.Error) -> StoreUnavailable:
        return StoreUnavailable(f"the SQLite database {self.path!r} does not answer: {exc}")

    def _retry(self, action: Callable[[], T]) -> T:
        """Run ``action``; while the write lock is taken, sleep a little longer each time and
        run it again, up to ``timeout`` seconds. A statement that found the lock taken did
        nothing, so running it again is safe."""
        deadline = 0.0
        wait = _FIRST_WAIT
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                code = _code(exc)
                if code not in _BUSY:
                    if code in _UNAVAILABLE:
                        raise self._unavailable(exc) from exc
                    raise
                now = time.monotonic()
                if not deadline:
                    deadline = now + self.timeout
                elif now >= deadline:
                    raise StoreUnavailable(
                        f"the SQLite database {self.path!r} stayed locked for {self.timeout:g} s"
                    ) from exc
                time.sleep(wait)
                wait = min(wait * 1.5, _LONGEST_WAIT)
            except sqlite3.DatabaseError as exc:
                if _code(exc) in _UNAVAILABLE:
                    raise self._unavailable(exc) from exc
                raise

    def _run(self, sql: str, params: Params, *, fetch: bool) -> tuple[list[Row], int]:
        conn = self.connect()

        def run() -> tuple[list[Row], int]:
            cursor = conn.execute(sql, params)
            # fetchall() runs the statement to its end, so its implicit transaction commits here.
            rows = cursor.fetchall() if fetch else []
            return rows, cursor.rowcount

        return self._retry(run)

    @contextmanager
    def _begin(self, *, durable: bool, write: bool = True) -> Iterator[sqlite3.Connection]:
        conn = self.connect()
        if durable:
            conn.execute("PRAGMA synchronous = FULL")
        try:
            # A reader in WAL mode waits for no writer: only a writer takes the lock up front.
            self._retry(lambda: conn.execute("BEGIN IMMEDIATE" if write else "BEGIN"))
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._retry(lambda: conn.execute("COMMIT"))
        except sqlite3.DatabaseError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if _code(exc) in _UNAVAILABLE:
                raise self._unavailable(exc) from exc
            raise
        finally:
            if durable:
                conn.execute("PRAGMA synchronous = NORMAL")

    # -- the schema's needs -----------------------------------------------------------------

    def tables(self, tx: Transaction) -> set[str]:
        return {row["name"] for row in tx.query("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def columns(self, tx: Transaction, table: str) -> set[str]:
        return {row["name"] for row in tx.query(f"PRAGMA table_info({table})")}

    def size(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += os.path.getsize(self.path + suffix)
            except OSError:
                pass
        return total

    def wal_size(self) -> int:
        """Bytes in the WAL file now."""
        try:
            return os.path.getsize(self.path + "-wal")
        except OSError:
            return 0

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    # -- checkpoints --------------------------------------------------------------------------

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
                target=_checkpoint_loop, args=(weakref.ref(self), self.path, self.wal_limit),
                name="vxmlkit-checkpoint", daemon=True,
            )
            thread.start()


def checkpoint(conn: sqlite3.Connection, path: str, wal_limit: int) -> str:
    """One round: a passive checkpoint, then a truncating one when the WAL is past the bound.
    Returns what was done (``passive``, ``truncated`` or ``busy``)."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    try:
        size = os.path.getsize(path + "-wal")
    except OSError:
        return "passive"
    if size <= wal_limit:
        return "passive"
    # TRUNCATE waits (the busy timeout) for readers to move on, holding off new writers,
    # which retry meanwhile; then the WAL starts again from an empty file.
    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    return "busy" if busy else "truncated"


def _checkpoint_loop(store: weakref.ref[SQLiteStore], path: str, wal_limit: int) -> None:
    """Fold the WAL into the database every second while the store is alive."""
    conn: sqlite3.Connection | None = None
    behind = False
    while True:
        time.sleep(CHECKPOINT_INTERVAL)
        if store() is None:
            break
        try:
            if conn is None:
                conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
            outcome = checkpoint(conn, path, wal_limit)
        except sqlite3.Error:
            continue  # the next round tries again; a busy or vanished file is not fatal
        if outcome == "busy" and not behind:
            log.warning("vxmlkit: the WAL of %s is past %d bytes and readers keep it from being truncated", path, wal_limit)
        behind = outcome == "busy"
    if conn is not None:
        conn.close()
