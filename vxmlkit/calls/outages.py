"""The database going away: which errors mean it, and one log line per outage.

While the store does not answer, every request that needs it gets 503 (a start request the
goodbye document, see docs/production.md for why). A process notes the first failure of an
outage and the first write that succeeds after it; the requests in between are counted, not
logged one by one, so that an outage under load leaves two lines per worker, not thousands.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import TYPE_CHECKING

from ..store import Store, StoreError

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["STORE_FAILURES", "StoreOutage", "outage", "store_failure"]

log = logging.getLogger("vxmlkit")


def _store_failures() -> tuple[type[BaseException], ...]:
    failures: list[type[BaseException]] = [StoreError, sqlite3.Error]
    try:  # PostgreSQL, when psycopg is installed
        import psycopg

        failures.append(psycopg.Error)
    except ImportError:
        pass
    try:
        import psycopg_pool

        failures.append(psycopg_pool.PoolTimeout)
    except ImportError:
        pass
    return tuple(failures)


#: What a store operation raises when the database is down, locked past the wait or gone.
STORE_FAILURES = _store_failures()


def store_failure(store: Store) -> BaseException | None:
    """Why the database does not answer now (``store.ping()``), or None when it does."""
    try:
        store.ping()
    except STORE_FAILURES as exc:
        return exc
    return None


class StoreOutage:
    """Whether this process last saw the store fail, and the log lines at each transition."""

    def __init__(self, kit: VxmlKit) -> None:
        self._kit = kit
        self._lock = threading.Lock()
        #: ``time.monotonic()`` of the first failure of the current outage, or None.
        self.down_since: float | None = None
        #: Requests refused since the outage began.
        self.refused = 0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, error: BaseException) -> None:
        """A request could not use the store: log the first of an outage, count the others."""
        with self._lock:
            self.refused += 1
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        # Never the URL: a PostgreSQL URL carries a password.
        log.error("vxmlkit: the database does not answer (%s: %s); requests that need it answer 503 until it does",
                  type(error).__name__, str(error)[:200])

    def recovered(self) -> None:
        """A write went through: when an outage was on, log its end, once.

        Only a write proves it: a SQLite file whose write lock another process holds still
        answers reads (and a ping).
        """
        if self.down_since is None:  # the request path's only cost while all is well
            return
        with self._lock:
            if self.down_since is None:
                return
            lasted, refused = time.monotonic() - self.down_since, self.refused
            self.down_since, self.refused = None, 0
        log.warning("vxmlkit: the database answers again after %.1f s; %d requests could not be served meanwhile",
                    lasted, refused)


def outage(kit: VxmlKit) -> StoreOutage:
    """The outage tracker of ``kit`` in this process."""
    tracker: StoreOutage | None = kit.__dict__.get("store_outage")
    if tracker is None:
        tracker = kit.__dict__.setdefault("store_outage", StoreOutage(kit))
    return tracker
