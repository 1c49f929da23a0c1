"""Every table vxmlkit keeps, as numbered migrations, and the upgrade that applies them.

The table ``vxmlkit_schema`` records each migration applied. A database made before versions
existed has the tables but not that table: migration 1 is written so that it finds them as
they are (``IF NOT EXISTS``) and completes them. ``vxmlkit db upgrade`` applies what is
missing; SQLite does it by itself on first use. A PostgreSQL database is set up by itself
only when it holds none of vxmlkit's tables: an older schema there is refused (several hosts
and a large table deserve an upgrade run on purpose), with :class:`SchemaOutdated`.

DDL is written once for both backends: ``DOUBLE PRECISION`` (SQLite reads it as ``REAL``) for
times, and ``$auto_id`` for an auto-numbered key, the one type that differs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from string import Template

from .base import SchemaOutdated, Store, Transaction

__all__ = ["Migration", "MIGRATIONS", "LATEST", "SchemaStatus", "status", "upgrade", "prepare"]

log = logging.getLogger("vxmlkit")

#: SMS statuses, in the order a message moves through them (see vxmlkit.sms.models).
_SMS_STATUSES = "'sending', 'queued', 'sent', 'delivered', 'failed', 'undelivered'"

_TABLES_V1 = f"""
CREATE TABLE IF NOT EXISTS call_sessions (
    id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    message_reference TEXT NOT NULL,
    call_id TEXT NOT NULL,
    call_parameters TEXT NOT NULL,
    state TEXT NOT NULL,
    internal TEXT NOT NULL DEFAULT '{{}}',
    last_step TEXT,
    status TEXT NOT NULL,
    error TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS call_sessions_flow ON call_sessions (flow, created_at);
CREATE TABLE IF NOT EXISTS call_results (
    id $auto_id,
    flow TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    message_reference TEXT NOT NULL,
    call_id TEXT NOT NULL,
    result TEXT NOT NULL,
    callee_type TEXT NOT NULL,
    attempts INTEGER,
    last_attempt_timestamp TEXT,
    duration INTEGER,
    raw TEXT NOT NULL,
    hook_status TEXT NOT NULL DEFAULT 'pending',
    hook_error TEXT,
    received_at DOUBLE PRECISION NOT NULL,
    UNIQUE (message_reference, call_id)
);
CREATE INDEX IF NOT EXISTS call_results_flow ON call_results (flow, received_at);
CREATE TABLE IF NOT EXISTS sms_messages (
    id TEXT PRIMARY KEY,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    flow TEXT,
    call_session TEXT,
    step TEXT,
    attempt INTEGER,
    recipient TEXT NOT NULL,
    sender TEXT,
    body TEXT,
    private INTEGER NOT NULL DEFAULT 0,
    segments INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({_SMS_STATUSES})),
    gateway TEXT NOT NULL,
    provider_id TEXT,
    error TEXT,
    UNIQUE (call_session, step, attempt)
);
CREATE INDEX IF NOT EXISTS sms_messages_provider_id ON sms_messages (provider_id);
CREATE INDEX IF NOT EXISTS sms_messages_created_at ON sms_messages (created_at);
CREATE TABLE IF NOT EXISTS sms_continuations (
    call_session TEXT NOT NULL,
    step TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    document TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (call_session, step, attempt)
)
"""


def _session_internal_column(store: Store, tx: Transaction) -> None:
    """The earliest call_sessions table had no ``internal`` column."""
    if "internal" not in store.columns(tx, "call_sessions"):
        tx.execute("ALTER TABLE call_sessions ADD COLUMN internal TEXT NOT NULL DEFAULT '{}'")


_INDEXES_AND_HOOKS_V2 = """
CREATE INDEX IF NOT EXISTS call_sessions_call_id ON call_sessions (call_id, flow, created_at);
CREATE INDEX IF NOT EXISTS call_sessions_created_at ON call_sessions (created_at);
CREATE INDEX IF NOT EXISTS call_results_received_at ON call_results (received_at);
ALTER TABLE call_results ADD COLUMN hook_started_at DOUBLE PRECISION;
ALTER TABLE call_results ADD COLUMN hook_attempts INTEGER NOT NULL DEFAULT 0;
UPDATE call_results SET hook_started_at = received_at, hook_attempts = 1;
CREATE INDEX IF NOT EXISTS call_results_hooks ON call_results (hook_status, hook_started_at);
CREATE INDEX IF NOT EXISTS sms_messages_flow ON sms_messages (flow, created_at);
CREATE INDEX IF NOT EXISTS sms_messages_status ON sms_messages (status, created_at);
CREATE INDEX IF NOT EXISTS sms_continuations_created_at ON sms_continuations (created_at)
"""

_QUEUED_CALLS_V3 = """
CREATE TABLE IF NOT EXISTS queued_calls (
    id TEXT PRIMARY KEY,
    campaign TEXT,
    flow TEXT NOT NULL,
    phone_digits TEXT NOT NULL,
    message_reference TEXT NOT NULL,
    call_parameters TEXT NOT NULL,
    status TEXT NOT NULL,
    call_id TEXT,
    session_id TEXT,
    expires_at DOUBLE PRECISION NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS queued_calls_campaign ON queued_calls (campaign, phone_digits);
CREATE INDEX IF NOT EXISTS queued_calls_session ON queued_calls (session_id);
CREATE INDEX IF NOT EXISTS queued_calls_expires_at ON queued_calls (expires_at)
"""

_SMS_STATUSES_V4 = _SMS_STATUSES + ", 'unknown'"


def _sms_unknown_status(store: Store, tx: Transaction) -> None:
    """Allow the ``unknown`` SMS status (a send whose request died at the provider)."""
    if store.backend == "postgresql":
        tx.execute("ALTER TABLE sms_messages DROP CONSTRAINT IF EXISTS sms_messages_status_check")
        tx.execute(f"ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_status_check CHECK (status IN ({_SMS_STATUSES_V4}))")
        return
    # SQLite cannot change a CHECK constraint: the table is made again with the rows it holds.
    create = tx.query_one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sms_messages'")
    ddl = str(create["sql"]).replace(f"IN ({_SMS_STATUSES})", f"IN ({_SMS_STATUSES_V4})")
    indexes = [str(row["sql"]) for row in tx.query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sms_messages' AND sql IS NOT NULL")]
    tx.execute("ALTER TABLE sms_messages RENAME TO sms_messages_v3")
    tx.execute(ddl)
    tx.execute("INSERT INTO sms_messages SELECT * FROM sms_messages_v3")
    tx.execute("DROP TABLE sms_messages_v3")
    for index in indexes:
        tx.execute(index)


Step = str | Callable[[Store, Transaction], None]


@dataclass(frozen=True)
class Migration:
    """One schema version: what it changes, and the statements (or functions) that do it."""

    version: int
    description: str
    steps: tuple[Step, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "call sessions, call results, SMS messages and SMS continuations",
              (_TABLES_V1, _session_internal_column)),
    Migration(2, "an index for every lookup; on_result hook bookkeeping (started at, attempts)",
              (_INDEXES_AND_HOOKS_V2,)),
    Migration(3, "the calls vxmlkit queued, so that only they start", (_QUEUED_CALLS_V3,)),
    Migration(4, "the SMS status unknown, for a send whose request died at the provider", (_sms_unknown_status,)),
)
#: The schema version this vxmlkit reads and writes.
LATEST = MIGRATIONS[-1].version

_VERSIONS_DDL = """
CREATE TABLE IF NOT EXISTS vxmlkit_schema (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL
)
"""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: its version, the latest, and the migrations applied."""

    version: int
    latest: int
    applied: tuple[tuple[int, str, float], ...]
    #: vxmlkit tables found in a database that records no version (made before versions).
    unversioned_tables: bool

    @property
    def current(self) -> bool:
        return self.version >= self.latest

    @property
    def pending(self) -> tuple[Migration, ...]:
        return tuple(m for m in MIGRATIONS if m.version > self.version)


def _read(store: Store, tx: Transaction) -> SchemaStatus:
    tables = store.tables(tx)
    applied: tuple[tuple[int, str, float], ...] = ()
    if "vxmlkit_schema" in tables:
        rows = tx.query("SELECT version, description, applied_at FROM vxmlkit_schema ORDER BY version")
        applied = tuple((int(r["version"]), str(r["description"]), float(r["applied_at"])) for r in rows)
    version = max((v for v, _, _ in applied), default=0)
    ours = {"call_sessions", "call_results", "sms_messages", "sms_continuations"}
    return SchemaStatus(version, LATEST, applied, bool(version == 0 and tables & ours))


def status(store: Store) -> SchemaStatus:
    """Where the store's schema stands (reads only: no lock taken, none waited for)."""
    with store.raw_transaction(durable=False, write=False) as tx:
        return _read(store, tx)


def _statements(store: Store, sql: str) -> list[str]:
    text = Template(sql).substitute(auto_id=store.auto_id)
    return [part.strip() for part in text.split(";") if part.strip()]


def upgrade(store: Store, *, to: int = LATEST) -> list[Migration]:
    """Apply every missing migration up to version ``to``, each in its own transaction; the
    ones applied.

    Safe to run from several processes at once: each migration re-reads the version under
    the backend's upgrade lock and skips what another process applied meanwhile.
    """
    done: list[Migration] = []
    for migration in MIGRATIONS:
        if migration.version > to:
            break
        with store.raw_transaction() as tx:
            store.lock_for_upgrade(tx)
            tx.execute(_VERSIONS_DDL.strip())
            if _read(store, tx).version >= migration.version:
                continue
            for step in migration.steps:
                if isinstance(step, str):
                    for statement in _statements(store, step):
                        tx.execute(statement)
                else:
                    step(store, tx)
            tx.execute(
                "INSERT INTO vxmlkit_schema (version, description, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.description, time.time()),
            )
        log.info("vxmlkit: %r upgraded to schema version %d (%s)", store, migration.version, migration.description)
        done.append(migration)
    return done


def prepare(store: Store) -> None:
    """Make the store's schema current on first use, or refuse an old one that must not be
    upgraded implicitly (:class:`SchemaOutdated`, naming the command that upgrades it)."""
    now = status(store)
    if now.current:
        return
    empty = now.version == 0 and not now.unversioned_tables
    if store.auto_upgrade or empty:
        upgrade(store)
        return
    found = "tables without a version" if now.version == 0 else f"schema version {now.version}"
    raise SchemaOutdated(
        f"the database {store!r} has {found}; this vxmlkit needs version {LATEST}: "
        "run `vxmlkit db upgrade` (see docs/database.md) before serving"
    )
