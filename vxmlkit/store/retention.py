"""Retention: call sessions, results and SMS records are personal data, kept for a while only.

:func:`purge` deletes what is older than the retention period, table by table, in small
batches, each its own short statement, so that serving goes on between them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from .base import Store

__all__ = ["purge", "PurgeReport", "RETAINED", "DEFAULT_RETENTION_DAYS"]

log = logging.getLogger("vxmlkit")

DEFAULT_RETENTION_DAYS = 30
#: Seconds after which a message still ``sending`` is resolved as ``unknown`` by a purge.
STUCK_SENDING = 3600.0
#: Each table with the time a row's age counts from, and its key.
RETAINED: tuple[tuple[str, str, str], ...] = (
    ("call_sessions", "created_at", "id"),
    ("call_results", "received_at", "id"),
    ("sms_messages", "created_at", "id"),
    ("sms_continuations", "created_at", "(call_session, step, attempt)"),
    # a queued call is kept until its start URL has expired, then like the rest
    ("queued_calls", "expires_at", "id"),
)


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted (or, dry, would delete) per table, of rows older than ``cutoff``."""

    cutoff: float
    counts: dict[str, int]
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def purge(store: Store, *, older_than: float, dry_run: bool = False, batch_size: int = 500,
          pause: float = 0.005) -> PurgeReport:
    """Delete the rows older than ``older_than`` seconds, ``batch_size`` at a time with a
    ``pause`` between batches; with ``dry_run`` only count them."""
    if older_than < 0:
        raise ValueError(f"older_than must not be negative, not {older_than}")
    cutoff = time.time() - older_than
    if not dry_run:
        from ..sms.records import resolve_unknown

        # A message still "sending" after an hour was claimed by a request that died.
        stuck = resolve_unknown(store, older_than=STUCK_SENDING)
        if stuck:
            log.warning("vxmlkit purge: %d SMS left sending by a request that died, resolved as unknown", stuck)
    counts: dict[str, int] = {}
    for table, column, key in RETAINED:
        if dry_run:
            row = store.query_one(f"SELECT COUNT(*) AS n FROM {table} WHERE {column} < ?", (cutoff,))
            counts[table] = int(row["n"]) if row else 0
            continue
        deleted = 0
        while True:
            n = store.write(
                f"DELETE FROM {table} WHERE {key} IN (SELECT {key.strip('()')} FROM {table} WHERE {column} < ? LIMIT ?)",
                (cutoff, batch_size),
            )
            deleted += n
            if n < batch_size:
                break
            time.sleep(pause)  # let requests waiting for the write lock through
        counts[table] = deleted
    report = PurgeReport(cutoff, counts, dry_run)
    log.info("vxmlkit purge%s of rows older than %s: %s", " (dry run)" if dry_run else "",
             time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(cutoff)),
             ", ".join(f"{table} {n}" for table, n in counts.items()))
    return report
