"""The one store behind call sessions, call results, SMS records and continuations.

``open_store(url)`` opens it: ``sqlite:///path/to/file.db`` (or a plain path; the default,
zero set-up) or ``postgresql://user:password@host/dbname`` (several hosts, one database).
The SQL is written once (see :mod:`vxmlkit.store.base`); :mod:`vxmlkit.store.sqlite` and
:mod:`vxmlkit.store.postgresql` hold what differs. The tables and their versions live in
:mod:`vxmlkit.store.schema`, the retention purge in :mod:`vxmlkit.store.retention`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .base import SchemaOutdated, Store, StoreError, StoreUnavailable, Transaction, redact_url
from .sessions import CallSession, SessionStore

__all__ = [
    "open_store",
    "store_options",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "SchemaOutdated",
    "Transaction",
    "CallSession",
    "SessionStore",
]


def open_store(
    url: str, *, timeout: float = 5.0, pool_size: int | None = None, wal_limit: int | None = None
) -> Store:
    """The store at ``url``, opened lazily (nothing connects until first use).

    ``timeout``: seconds to wait for a lock or a connection before :class:`StoreUnavailable`.
    ``pool_size``: PostgreSQL connections per process at most. ``wal_limit``: bytes past
    which SQLite's WAL is truncated.
    """
    scheme = urlsplit(url).scheme if "://" in url else "sqlite"
    if scheme == "sqlite":
        from .sqlite import DEFAULT_WAL_LIMIT, SQLiteStore

        return SQLiteStore(url, timeout=timeout, wal_limit=DEFAULT_WAL_LIMIT if wal_limit is None else wal_limit)
    if scheme in ("postgresql", "postgres"):
        from .postgresql import DEFAULT_POOL_SIZE, PostgreSQLStore

        return PostgreSQLStore(url, timeout=timeout, pool_size=DEFAULT_POOL_SIZE if pool_size is None else pool_size)
    raise StoreError(
        f"unsupported database URL scheme {scheme!r} in {redact_url(url)!r}: use sqlite:///path/to/file.db"
        " (or a plain file path) or postgresql://user:password@host/dbname"
    )


def store_options(config: Any) -> dict[str, Any]:
    """``open_store`` options from the ``VXMLKIT_DATABASE_*`` / ``VXMLKIT_SQLITE_*`` settings."""
    options: dict[str, Any] = {}
    for key, name, kind in (("VXMLKIT_DATABASE_TIMEOUT", "timeout", float),
                            ("VXMLKIT_DATABASE_POOL_SIZE", "pool_size", int),
                            ("VXMLKIT_SQLITE_WAL_LIMIT", "wal_limit", int)):
        value = config.get(key)
        if value is not None and value != "":
            try:
                options[name] = kind(value)
            except ValueError:
                raise StoreError(f"{key} must be a number, not {value!r}") from None
    return options
