"""What every store backend offers: statements, transactions, the schema check and a ping.

The SQL that vxmlkit runs is written once, with ``?`` (or ``:name``) placeholders, and runs on
every backend: a backend module holds only what differs (placeholders, connection handling,
locking, the errors that mean "the database does not answer").
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Store", "StoreError", "StoreUnavailable", "SchemaOutdated", "Row", "Params", "Transaction", "redact_url"]

#: A row read from the store: columns by name (``row["id"]``; ``dict(row)`` for all of them).
Row = Mapping[str, Any]
#: Statement parameters: a sequence for ``?`` placeholders, a mapping for ``:name`` ones.
Params = Sequence[Any] | Mapping[str, Any]


class StoreError(RuntimeError):
    """The store's location is unusable or a record is missing."""


class StoreUnavailable(StoreError):
    """The database does not answer (down, unreachable, locked past the wait): try again later."""


class SchemaOutdated(StoreUnavailable):
    """The database's tables are older than this vxmlkit: ``vxmlkit db upgrade`` brings them up."""


def redact_url(url: str) -> str:
    """``url`` without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[1]}"))


class Cursor(Protocol):
    """What a statement run inside a transaction gives back (DB-API cursor subset)."""

    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Transaction:
    """Statements inside one transaction (see :meth:`Store.transaction`)."""

    __slots__ = ("_conn", "_sql")

    def __init__(self, conn: Any, translate: Any) -> None:
        self._conn = conn
        self._sql = translate

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        """Run one statement; read its rows with ``fetchone()``/``fetchall()``."""
        return self._conn.execute(self._sql(sql), params)  # type: ignore[no-any-return]

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows of a query."""
        return self.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, or None."""
        return self.execute(sql, params).fetchone()  # type: ignore[no-any-return]


class Store(ABC):
    """The database behind call sessions, results, SMS records and continuations.

    Open one with :func:`vxmlkit.store.open_store`. Every method raises
    :class:`StoreUnavailable` when the database does not answer, so that a caller can answer
    "try again later" instead of failing.
    """

    #: ``"sqlite"`` or ``"postgresql"``.
    backend: ClassVar[str]
    #: Appended to a ``SELECT`` that reads rows the transaction then updates. SQLite's
    #: transactions hold the whole database already; PostgreSQL locks just those rows.
    lock_rows: ClassVar[str] = ""
    #: The column type of an auto-numbered primary key, for the schema's DDL.
    auto_id: ClassVar[str]

    def __init__(self, url: str, *, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self._ready = False
        self._ready_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_url(self.url)!r})"

    # -- what a backend provides ---------------------------------------------------------

    @abstractmethod
    def _run(self, sql: str, params: Params, *, fetch: bool) -> tuple[list[Row], int]:
        """Run one statement on its own (committed when it returns): its rows and rowcount."""

    @abstractmethod
    def _begin(self, *, durable: bool, write: bool = True) -> Any:
        """A context manager around one transaction, yielding the raw connection. ``write``:
        the transaction writes (SQLite takes the write lock up front); else it only reads."""

    def _translate(self, sql: str) -> str:
        """``sql`` in the driver's placeholder style (``?`` and ``:name`` as written)."""
        return sql

    @abstractmethod
    def tables(self, tx: Transaction) -> set[str]:
        """The names of the tables in the database (in PostgreSQL: the current schema)."""

    @abstractmethod
    def columns(self, tx: Transaction, table: str) -> set[str]:
        """The column names of ``table``."""

    def lock_for_upgrade(self, tx: Transaction) -> None:
        """Keep other processes from upgrading the schema until ``tx`` ends."""

    @abstractmethod
    def size(self) -> int:
        """Bytes the store takes on disk (the database file and its WAL, or the tables)."""

    @abstractmethod
    def close(self) -> None:
        """Release this process's connections (they reopen on next use)."""

    # -- the schema, checked once per store ------------------------------------------------

    #: Whether the schema is upgraded on first use (SQLite) rather than refused when old.
    auto_upgrade: ClassVar[bool] = False

    def ready(self) -> None:
        """Check the schema once: upgrade or create it, or raise :class:`SchemaOutdated`."""
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                from .schema import prepare

                prepare(self)
                self._ready = True

    # -- statements ---------------------------------------------------------------------

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows of a query."""
        self.ready()
        return self._run(sql, params, fetch=True)[0]

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, or None."""
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def write(self, sql: str, params: Params = ()) -> int:
        """Run one writing statement, committed on its own; the number of rows it changed.

        One statement is atomic on its own: this saves the BEGIN and COMMIT round trips of
        :meth:`transaction` on the hot path.
        """
        self.ready()
        return self._run(sql, params, fetch=False)[1]

    def write_returning(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one writing statement with a ``RETURNING`` clause, committed on its own."""
        self.ready()
        return self._run(sql, params, fetch=True)[0]

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[Transaction]:
        """A write transaction: committed on normal exit, rolled back on an exception.

        ``durable``: the commit reaches the disk before this returns, even on a store tuned
        to trade that for speed (SQLite's ``synchronous = NORMAL``).
        """
        self.ready()
        with self.raw_transaction(durable=durable) as tx:
            yield tx

    @contextmanager
    def raw_transaction(self, *, durable: bool = True, write: bool = True) -> Iterator[Transaction]:
        """A transaction without the schema check (for the schema's own reads and upgrade)."""
        with self._begin(durable=durable, write=write) as conn:
            yield Transaction(conn, self._translate)

    def ping(self) -> None:
        """Return when the store can take a call's writes; raise :class:`StoreUnavailable`
        otherwise. Cheap: an empty write transaction, so that a database that answers reads
        but whose write lock is stuck counts as down."""
        with self.transaction():
            pass
